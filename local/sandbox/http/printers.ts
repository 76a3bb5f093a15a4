/**
 * The server-side printers of the built-in kinds: which columns `kubectl get` shows and
 * what each cell holds, following kube-apiserver's
 * pkg/printers/internalversion/printers.go (column names, order, types, priority-1 "wide"
 * columns, and cell formats such as `<none>`, `<unset>`, `80/TCP`, `1/1 of 3`, durations
 * from duration.HumanDuration). As on the real server, every cell is always sent (the
 * server prints "wide"); kubectl hides priority-1 columns unless `-o wide`.
 *
 * Kinds without a printer there (Role, ClusterRole, LimitRange, CustomResourceDefinition,
 * APIService, ...) get the default table convertor's Name and Created At.
 */
import type { KubeObject } from '../types.ts';

/** A column and how to compute its cell; `now` is the time ages are counted to (ms). */
export type Column = {
  name: string;
  type: string;
  format?: string;
  description: string;
  priority: number;
  cell: (o: KubeObject, now: number) => unknown;
};

const NAME_DOC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
const CREATION_DOC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export const nameColumn: Column = { name: 'Name', type: 'string', format: 'name', description: NAME_DOC, priority: 0, cell: (o) => o.metadata.name };
export const ageColumn: Column = { name: 'Age', type: 'string', description: CREATION_DOC, priority: 0, cell: (o, now) => age(o.metadata.creationTimestamp, now) };
/** rest.NewDefaultTableConvertor: the columns of kinds without a printer. */
export const DEFAULT_COLUMNS: Column[] = [nameColumn, { name: 'Created At', type: 'date', description: CREATION_DOC, priority: 0, cell: (o) => o.metadata.creationTimestamp }];

/** A column of type string (the common case), or of `type`; priority 1 when `wide`. */
const col = (name: string, description: string, cell: Column['cell'], type = 'string'): Column => ({ name, type, description, priority: 0, cell });
const wide = (name: string, description: string, cell: Column['cell']): Column => ({ name, type: 'string', description, priority: 1, cell });

const CONTAINERS_DOC = 'Names of each container in the template.';
const IMAGES_DOC = 'Images referenced by each container in the template.';
const SELECTOR_DOC = 'A label query over pods that should match the replica count.';

/** Containers, Images and (unless `selector` is false) Selector of a pod template, as -o wide shows them. */
function templateColumns(template: (o: KubeObject) => any, selector: ((o: KubeObject) => string) | false = (o) => formatLabelSelector(o.spec?.selector)): Column[] {
  const containers = (o: KubeObject): any[] => template(o)?.spec?.containers ?? [];
  return [
    wide('Containers', CONTAINERS_DOC, (o) =>
      containers(o)
        .map((c) => c.name)
        .join(','),
    ),
    wide('Images', IMAGES_DOC, (o) =>
      containers(o)
        .map((c) => c.image)
        .join(','),
    ),
    ...(selector ? [wide('Selector', SELECTOR_DOC, selector)] : []),
  ];
}
const podTemplate = (o: KubeObject) => o.spec?.template;

const count = (value: unknown): number => (Array.isArray(value) ? value.length : value && typeof value === 'object' ? Object.keys(value).length : 0);
const int = (value: unknown): number => (typeof value === 'number' ? value : 0);

/** The columns of each built-in kind, by kind (core and events.k8s.io Events share one). */
export const PRINTERS: Record<string, Column[]> = {
  Pod: [
    nameColumn,
    col('Ready', 'The aggregate readiness state of this pod for accepting traffic.', (o) => podSummary(o).ready),
    col('Status', 'The aggregate status of the containers in this pod.', (o) => podSummary(o).reason),
    col('Restarts', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.', (o, now) => podSummary(o, now).restarts),
    ageColumn,
    wide('IP', 'podIP address allocated to the pod.', (o) => o.status?.podIPs?.[0]?.ip || o.status?.podIP || '<none>'),
    wide('Node', 'NodeName indicates in which node this pod is scheduled.', (o) => o.spec?.nodeName || '<none>'),
    wide('Nominated Node', 'nominatedNodeName is set only when this pod preempts other pods on the node.', (o) => o.status?.nominatedNodeName || '<none>'),
    wide('Readiness Gates', 'If specified, all readiness gates will be evaluated for pod readiness.', readinessGates),
  ],
  PodTemplate: [
    nameColumn,
    col('Containers', CONTAINERS_DOC, (o) => (o.template?.spec?.containers ?? []).map((c: any) => c.name).join(',')),
    col('Images', IMAGES_DOC, (o) => (o.template?.spec?.containers ?? []).map((c: any) => c.image).join(',')),
    col('Pod Labels', 'The labels for the pod template.', (o) => formatLabels(o.template?.metadata?.labels)),
  ],
  PodDisruptionBudget: [
    nameColumn,
    col('Min Available', 'The minimum number of pods that must be available.', (o) => intOrString(o.spec?.minAvailable)),
    col('Max Unavailable', 'The maximum number of pods that may be unavailable.', (o) => intOrString(o.spec?.maxUnavailable)),
    col('Allowed Disruptions', 'Calculated number of pods that may be disrupted at this time.', (o) => int(o.status?.disruptionsAllowed), 'integer'),
    ageColumn,
  ],
  ReplicationController: [
    nameColumn,
    col('Desired', 'Replicas is the number of desired replicas.', (o) => int(o.spec?.replicas), 'integer'),
    col('Current', 'Replicas is the most recently observed number of replicas.', (o) => int(o.status?.replicas), 'integer'),
    col('Ready', 'The number of ready replicas for this replication controller.', (o) => int(o.status?.readyReplicas), 'integer'),
    ageColumn,
    ...templateColumns(podTemplate, (o) => formatLabels(o.spec?.selector)),
  ],
  ReplicaSet: [
    nameColumn,
    col('Desired', 'Replicas is the number of desired replicas.', (o) => int(o.spec?.replicas), 'integer'),
    col('Current', 'Replicas is the most recently observed number of replicas.', (o) => int(o.status?.replicas), 'integer'),
    col('Ready', 'The number of ready replicas for this replica set.', (o) => int(o.status?.readyReplicas), 'integer'),
    ageColumn,
    ...templateColumns(podTemplate),
  ],
  DaemonSet: [
    nameColumn,
    col('Desired', 'The total number of nodes that should be running the daemon pod.', (o) => int(o.status?.desiredNumberScheduled), 'integer'),
    col('Current', 'The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod.', (o) => int(o.status?.currentNumberScheduled), 'integer'),
    col('Ready', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready.', (o) => int(o.status?.numberReady), 'integer'),
    col('Up-to-date', 'The total number of nodes that are running updated daemon pod', (o) => int(o.status?.updatedNumberScheduled), 'integer'),
    col('Available', 'The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available', (o) => int(o.status?.numberAvailable), 'integer'),
    col('Node Selector', 'NodeSelector is a selector which must be true for the pod to fit on a node.', (o) => formatLabels(o.spec?.template?.spec?.nodeSelector)),
    ageColumn,
    ...templateColumns(podTemplate),
  ],
  Deployment: [
    nameColumn,
    col('Ready', 'Number of the pod with ready state', (o) => `${int(o.status?.readyReplicas)}/${int(o.spec?.replicas)}`),
    col('Up-to-date', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.', (o) => int(o.status?.updatedReplicas)),
    col('Available', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.', (o) => int(o.status?.availableReplicas)),
    ageColumn,
    // printDeployment uses selector.String() as it is: an empty selector prints empty.
    ...templateColumns(podTemplate, (o) => labelSelectorString(o.spec?.selector)),
  ],
  StatefulSet: [nameColumn, col('Ready', 'Number of the pod with ready state', (o) => `${int(o.status?.readyReplicas)}/${int(o.spec?.replicas)}`), ageColumn, ...templateColumns(podTemplate, false)],
  Job: [
    nameColumn,
    col('Status', 'Status of the job.', jobStatus),
    col('Completions', 'The number of pods which reached phase Succeeded.', jobCompletions),
    col('Duration', 'Time required to complete the job.', jobDuration),
    ageColumn,
    ...templateColumns(podTemplate),
  ],
  CronJob: [
    nameColumn,
    col('Schedule', 'The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron.', (o) => o.spec?.schedule ?? ''),
    col('Timezone', 'The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones.', (o) => o.spec?.timeZone ?? '<none>'),
    col('Suspend', 'This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.', (o) => boolPtr(o.spec?.suspend), 'boolean'),
    col('Active', 'A list of pointers to currently running jobs.', (o) => count(o.status?.active), 'integer'),
    col('Last Schedule', 'Information when was the last time the job was successfully scheduled.', (o, now) => (o.status?.lastScheduleTime ? age(o.status.lastScheduleTime, now) : '<none>')),
    ageColumn,
    ...templateColumns(
      (o) => o.spec?.jobTemplate?.spec?.template,
      (o) => formatLabelSelector(o.spec?.jobTemplate?.spec?.selector),
    ),
  ],
  Service: [
    nameColumn,
    col('Type', 'type determines how the Service is exposed.', (o) => o.spec?.type ?? 'ClusterIP'),
    col('Cluster-IP', 'clusterIP is the IP address of the service and is usually assigned randomly.', (o) => o.spec?.clusterIPs?.[0] || o.spec?.clusterIP || '<none>'),
    col('External-IP', 'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.', serviceExternalIP),
    col('Port(s)', 'The list of ports that are exposed by this service.', servicePorts),
    ageColumn,
    wide('Selector', 'Route service traffic to pods with label keys and values matching this selector.', (o) => formatLabels(o.spec?.selector)),
  ],
  Ingress: [
    nameColumn,
    col('Class', 'The name of the IngressClass resource that should be used for additional configuration', (o) => o.spec?.ingressClassName ?? '<none>'),
    col('Hosts', 'Hosts that incoming requests are matched against before the ingress rule', ingressHosts),
    col('Address', 'Address is a list containing ingress points for the load-balancer', (o) => loadBalancerAddresses(o)),
    col('Ports', 'Ports of TLS configurations that open', (o) => ((o.spec?.tls ?? []).length ? '80, 443' : '80')),
    ageColumn,
  ],
  IngressClass: [
    nameColumn,
    col('Controller', 'Controller that is responsible for handling this class', (o) => o.spec?.controller ?? ''),
    col('Parameters', 'A reference to a resource with additional parameters', ingressClassParameters),
    ageColumn,
  ],
  Endpoints: [nameColumn, col('Endpoints', 'The set of all endpoints is the union of all subsets.', formatEndpoints), ageColumn],
  EndpointSlice: [
    nameColumn,
    col('AddressType', 'addressType specifies the type of address carried by this EndpointSlice.', (o) => o.addressType ?? ''),
    col('Ports', 'ports specifies the list of network ports exposed by each endpoint in this slice.', (o) =>
      listWithMore(
        (o.ports ?? []).map((p: any) => (p.port !== undefined && p.port !== null ? String(p.port) : (p.name ?? '*'))),
        3,
      ),
    ),
    col('Endpoints', 'endpoints is a list of unique endpoints in this slice.', (o) =>
      listWithMore(
        (o.endpoints ?? []).flatMap((e: any) => e.addresses ?? []),
        3,
      ),
    ),
    ageColumn,
  ],
  Node: [
    nameColumn,
    col('Status', 'The status of the node', nodeStatus),
    col('Roles', 'The roles of the node', nodeRoles),
    ageColumn,
    col('Version', 'Kubelet Version reported by the node.', (o) => o.status?.nodeInfo?.kubeletVersion ?? ''),
    wide('Internal-IP', 'List of addresses reachable to the node.', (o) => nodeAddress(o, 'InternalIP')),
    wide('External-IP', 'List of addresses reachable to the node.', (o) => nodeAddress(o, 'ExternalIP')),
    wide('OS-Image', 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).', (o) => o.status?.nodeInfo?.osImage || '<unknown>'),
    wide('Kernel-Version', "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", (o) => o.status?.nodeInfo?.kernelVersion || '<unknown>'),
    wide('Container-Runtime', 'ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).', (o) => o.status?.nodeInfo?.containerRuntimeVersion || '<unknown>'),
  ],
  Event: [
    col('Last Seen', 'The time at which the most recent occurrence of this event was recorded.', (o, now) => eventTimes(o, now).last),
    col('Type', 'Type of this event (Normal, Warning), new types could be added in the future', (o) => o.type ?? ''),
    col('Reason', "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.", (o) => o.reason ?? ''),
    col('Object', 'The object that this event is about.', eventTarget),
    wide(
      'Subobject',
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement.',
      (o) => (o.involvedObject ?? o.regarding)?.fieldPath ?? '',
    ),
    wide('Source', 'The component reporting this event. Should be a short machine understandable string.', eventSource),
    col('Message', 'A human-readable description of the status of this operation.', (o) => String(o.message ?? o.note ?? '').trim()),
    wide('First Seen', 'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)', (o, now) => eventTimes(o, now).first),
    { ...wide('Count', 'The number of times this event has occurred.', (o) => eventCount(o)) },
    { ...wide('Name', NAME_DOC, (o) => o.metadata.name), format: 'name' },
  ],
  Namespace: [nameColumn, col('Status', 'The status of the namespace', (o) => o.status?.phase ?? ''), ageColumn],
  Secret: [
    nameColumn,
    col('Type', 'Used to facilitate programmatic handling of secret data.', (o) => o.type ?? ''),
    col('Data', 'Data contains the secret data.', (o) => new Set([...Object.keys(o.data ?? {}), ...Object.keys(o.stringData ?? {})]).size),
    ageColumn,
  ],
  ServiceAccount: [
    nameColumn,
    col('Secrets', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.', (o) => count(o.secrets)),
    ageColumn,
  ],
  ConfigMap: [nameColumn, col('Data', 'Data contains the configuration data.', (o) => count(o.data) + count(o.binaryData)), ageColumn],
  PersistentVolume: [
    nameColumn,
    col('Capacity', "capacity is the description of the persistent volume's resources and capacity.", (o) => o.spec?.capacity?.storage ?? '0'),
    col('Access Modes', 'accessModes contains all ways the volume can be mounted.', (o) => accessModes(o.spec?.accessModes)),
    col('Reclaim Policy', 'persistentVolumeReclaimPolicy defines what happens to a persistent volume when released from its claim.', (o) => o.spec?.persistentVolumeReclaimPolicy ?? ''),
    col('Status', 'phase indicates if a volume is available, bound to a claim, or released by a claim.', (o) => (o.metadata.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? ''))),
    col('Claim', 'claimRef is part of a bi-directional binding between PersistentVolume and PersistentVolumeClaim.', (o) =>
      o.spec?.claimRef ? `${o.spec.claimRef.namespace ?? ''}/${o.spec.claimRef.name ?? ''}` : '',
    ),
    col('StorageClass', 'StorageClass of the pv', storageClassOf),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pv', (o) => o.spec?.volumeAttributesClassName ?? '<unset>'),
    col('Reason', 'reason is a brief CamelCase string that describes any failure and is meant for machine parsing and tidy display in the CLI.', (o) => o.status?.reason ?? ''),
    ageColumn,
    wide('VolumeMode', 'volumeMode defines if a volume is intended to be used with a formatted filesystem or to remain in raw block state.', (o) => o.spec?.volumeMode ?? '<unset>'),
  ],
  PersistentVolumeClaim: [
    nameColumn,
    col('Status', 'phase represents the current phase of PersistentVolumeClaim.', (o) => (o.metadata.deletionTimestamp ? 'Terminating' : (o.status?.phase ?? ''))),
    col('Volume', 'volumeName is the binding reference to the PersistentVolume backing this claim.', (o) => o.spec?.volumeName ?? ''),
    // printPersistentVolumeClaim shows capacity and access modes only once bound to a volume.
    col('Capacity', 'capacity represents the actual resources of the underlying volume.', (o) => (o.spec?.volumeName ? (o.status?.capacity?.storage ?? '0') : '')),
    col('Access Modes', 'accessModes contains the actual access modes the volume backing the PVC has.', (o) => (o.spec?.volumeName ? accessModes(o.status?.accessModes) : '')),
    col('StorageClass', 'StorageClass of the pvc', storageClassOf),
    col('VolumeAttributesClass', 'VolumeAttributesClass of the pvc', (o) => o.spec?.volumeAttributesClassName ?? '<unset>'),
    ageColumn,
    wide('VolumeMode', 'volumeMode defines what type of volume is required by the claim.', (o) => o.spec?.volumeMode ?? '<unset>'),
  ],
  ComponentStatus: [
    nameColumn,
    col('Status', 'Status of the component conditions', (o) => componentCondition(o).status),
    col('Message', 'Message of the component conditions', (o) => componentCondition(o).message),
    col('Error', 'Error of the component conditions', (o) => componentCondition(o).error),
  ],
  HorizontalPodAutoscaler: [
    nameColumn,
    col(
      'Reference',
      'reference to scaled resource; horizontal pod autoscaler will learn the current resource consumption and will set the desired number of pods by using its Scale subresource.',
      (o) => `${o.spec?.scaleTargetRef?.kind ?? ''}/${o.spec?.scaleTargetRef?.name ?? ''}`,
    ),
    col('Targets', 'metrics contains the specifications for which to use to calculate the desired replica count.', hpaTargets),
    col('MinPods', 'minReplicas is the lower limit for the number of replicas to which the autoscaler can scale down.', (o) =>
      o.spec?.minReplicas !== undefined ? String(o.spec.minReplicas) : '<unset>',
    ),
    col('MaxPods', 'maxReplicas is the upper limit for the number of pods that can be set by the autoscaler; cannot be smaller than MinReplicas.', (o) => int(o.spec?.maxReplicas)),
    col('Replicas', 'currentReplicas is current number of replicas of pods managed by this autoscaler.', (o) => int(o.status?.currentReplicas)),
    ageColumn,
  ],
  NetworkPolicy: [nameColumn, col('Pod-Selector', 'Selects the pods to which this NetworkPolicy object applies.', (o) => formatLabelSelector(o.spec?.podSelector ?? {})), ageColumn],
  RoleBinding: bindingColumns('roleBinding'),
  ClusterRoleBinding: bindingColumns('clusterRoleBinding'),
  CertificateSigningRequest: [
    nameColumn,
    ageColumn,
    col('SignerName', 'Requested signer for the request.', (o) => o.spec?.signerName || '<none>'),
    col('Requestor', 'Base64-encoded PKCS#10 CSR data', (o) => o.spec?.username ?? ''),
    col('RequestedDuration', 'expirationSeconds is the requested duration of validity of the issued certificate.', (o) =>
      o.spec?.expirationSeconds !== undefined ? humanDuration(o.spec.expirationSeconds * 1000) : '<none>',
    ),
    col('Condition', 'Conditions applied to the request, such as approval or denial.', csrCondition),
  ],
  ClusterTrustBundle: [nameColumn, col('SignerName', 'signerName indicates the associated signer, if any.', (o) => o.spec?.signerName || '<none>')],
  Lease: [nameColumn, col('Holder', 'holderIdentity contains the identity of the holder of a current lease.', (o) => o.spec?.holderIdentity ?? ''), ageColumn],
  LeaseCandidate: [
    nameColumn,
    col('LeaseName', 'LeaseName is the name of the lease for which this candidate is contending.', (o) => o.spec?.leaseName ?? ''),
    col('BinaryVersion', 'BinaryVersion is the binary version.', (o) => o.spec?.binaryVersion ?? ''),
    col('EmulationVersion', 'EmulationVersion is the emulation version.', (o) => o.spec?.emulationVersion ?? ''),
    ageColumn,
  ],
  StorageClass: [
    { ...nameColumn, cell: (o) => (isDefaultClass(o, 'storageclass') ? `${o.metadata.name} (default)` : o.metadata.name) },
    col('Provisioner', 'provisioner indicates the type of the provisioner.', (o) => o.provisioner ?? ''),
    col('ReclaimPolicy', 'reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class.', (o) => o.reclaimPolicy ?? 'Delete'),
    col('VolumeBindingMode', 'volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.', (o) => o.volumeBindingMode ?? 'Immediate'),
    col('AllowVolumeExpansion', 'allowVolumeExpansion shows whether the storage class allow volume expand.', (o) => o.allowVolumeExpansion ?? false),
    ageColumn,
  ],
  VolumeAttributesClass: [
    { ...nameColumn, cell: (o) => (isDefaultClass(o, 'volumeattributesclass') ? `${o.metadata.name} (default)` : o.metadata.name) },
    col('DriverName', 'Name of the CSI driver', (o) => o.driverName ?? ''),
    ageColumn,
  ],
  ControllerRevision: [
    nameColumn,
    col('Controller', 'Controller of the object', controllerOf),
    col('Revision', 'Revision indicates the revision of the state represented by Data.', (o) => o.revision ?? 0),
    ageColumn,
  ],
  ResourceQuota: [
    nameColumn,
    col('Request', 'Request represents a minimum amount of cpu/memory that a container may consume.', (o) => quotaUsage(o, false)),
    col('Limit', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.', (o) => quotaUsage(o, true)),
    ageColumn,
  ],
  PriorityClass: [
    nameColumn,
    col('Value', 'value represents the integer value of this priority class.', (o) => int(o.value), 'integer'),
    col(
      'Global-Default',
      'globalDefault specifies whether this PriorityClass should be considered as the default priority for pods that do not have any priority class.',
      (o) => o.globalDefault ?? false,
      'boolean',
    ),
    ageColumn,
    // Not priority 1 in printers.go, though printed only "wide": the server always prints wide.
    col('PreemptionPolicy', 'preemptionPolicy is the Policy for preempting pods with lower priority.', (o) => o.preemptionPolicy ?? ''),
  ],
  RuntimeClass: [
    nameColumn,
    col('Handler', 'handler specifies the underlying runtime and configuration that the CRI implementation will use to handle pods of this class.', (o) => o.handler ?? ''),
    ageColumn,
  ],
  VolumeAttachment: [
    nameColumn,
    { ...col('Attacher', 'attacher indicates the name of the volume driver that MUST handle this request.', (o) => o.spec?.attacher ?? ''), format: 'name' },
    col('PV', 'persistentVolumeName represents the name of the persistent volume to attach.', (o) => o.spec?.source?.persistentVolumeName ?? ''),
    col('Node', 'nodeName represents the node that the volume should be attached to.', (o) => o.spec?.nodeName ?? ''),
    col('Attached', 'attached indicates the volume is successfully attached.', (o) => o.status?.attached ?? false, 'boolean'),
    ageColumn,
  ],
  CSINode: [nameColumn, col('Drivers', 'Drivers indicates the number of CSI drivers registered on the node', (o) => count(o.spec?.drivers), 'integer'), ageColumn],
  CSIDriver: [
    nameColumn,
    col('AttachRequired', 'attachRequired indicates this CSI volume driver requires an attach operation.', (o) => o.spec?.attachRequired ?? true, 'boolean'),
    col('PodInfoOnMount', 'podInfoOnMount indicates this CSI volume driver requires additional pod information during mount operations.', (o) => o.spec?.podInfoOnMount ?? false, 'boolean'),
    col('StorageCapacity', 'storageCapacity indicates that the CSI volume driver wants pod scheduling to consider the storage capacity.', (o) => o.spec?.storageCapacity ?? false, 'boolean'),
    col('TokenRequests', "tokenRequests indicates the CSI driver needs pods' service account tokens it is mounting volume for to do necessary authentication.", (o) =>
      o.spec?.tokenRequests ? o.spec.tokenRequests.map((t: any) => t.audience).join(',') : '<unset>',
    ),
    col(
      'RequiresRepublish',
      'requiresRepublish indicates the CSI driver wants `NodePublishVolume` being periodically called to reflect any possible change in the mounted volume.',
      (o) => o.spec?.requiresRepublish ?? false,
      'boolean',
    ),
    col('Modes', 'volumeLifecycleModes defines what kind of volumes this CSI volume driver supports.', (o) => (o.spec?.volumeLifecycleModes ?? []).join(',') || '<none>'),
    ageColumn,
  ],
  CSIStorageCapacity: [
    nameColumn,
    col('StorageClassName', 'storageClassName represents the name of the StorageClass that the reported capacity applies to.', (o) => o.storageClassName ?? ''),
    col(
      'Capacity',
      'capacity is the value reported by the CSI driver in its GetCapacityResponse for a GetCapacityRequest with topology and parameters that match the previous fields.',
      (o) => o.capacity ?? '<unset>',
    ),
  ],
  MutatingWebhookConfiguration: [nameColumn, col('Webhooks', 'Webhooks indicates the number of webhooks registered in this configuration', (o) => count(o.webhooks), 'integer'), ageColumn],
  ValidatingWebhookConfiguration: [nameColumn, col('Webhooks', 'Webhooks indicates the number of webhooks registered in this configuration', (o) => count(o.webhooks), 'integer'), ageColumn],
  ValidatingAdmissionPolicy: admissionPolicyColumns('Validations', 'Validations indicates the number of validation rules defined in this configuration', 'validations'),
  MutatingAdmissionPolicy: admissionPolicyColumns('Mutations', 'Mutation indicates the number of mutations rules defined in this configuration', 'mutations'),
  ValidatingAdmissionPolicyBinding: admissionBindingColumns(),
  MutatingAdmissionPolicyBinding: admissionBindingColumns(),
  FlowSchema: [
    nameColumn,
    col('PriorityLevel', '`name` is the name of the priority level configuration being referenced', (o) => o.spec?.priorityLevelConfiguration?.name ?? ''),
    col('MatchingPrecedence', '`matchingPrecedence` is used to choose among the FlowSchemas that match a given request.', (o) => int(o.spec?.matchingPrecedence)),
    col('DistinguisherMethod', '`distinguisherMethod` defines how to compute the flow distinguisher for requests that match this schema.', (o) => o.spec?.distinguisherMethod?.type ?? '<none>'),
    ageColumn,
    col('MissingPL', 'references a broken or non-existent PriorityLevelConfiguration', (o) => (o.status?.conditions ?? []).find((c: any) => c.type === 'Dangling')?.status ?? '?'),
  ],
  PriorityLevelConfiguration: [
    nameColumn,
    col('Type', '`type` indicates whether this priority level is subject to limitation on request execution.', (o) => o.spec?.type ?? ''),
    col(
      'NominalConcurrencyShares',
      '`nominalConcurrencyShares` (NCS) contributes to the computation of the NominalConcurrencyLimit (NominalCL) of this level.',
      (o) => o.spec?.limited?.nominalConcurrencyShares ?? '<none>',
    ),
    col('Queues', '`queues` is the number of queues for this priority level.', (o) => (o.spec?.limited ? (o.spec.limited.limitResponse?.queuing?.queues ?? '<none>') : '<none>')),
    col('HandSize', '`handSize` is a small positive number that configures the shuffle sharding of requests into queues.', (o) =>
      o.spec?.limited ? (o.spec.limited.limitResponse?.queuing?.handSize ?? '<none>') : '<none>',
    ),
    col('QueueLengthLimit', '`queueLengthLimit` is the maximum number of requests allowed to be waiting in a given queue of this priority level at a time.', (o) =>
      o.spec?.limited ? (o.spec.limited.limitResponse?.queuing?.queueLengthLimit ?? '<none>') : '<none>',
    ),
    ageColumn,
  ],
  DeviceClass: [nameColumn, ageColumn],
  ResourceClaim: [nameColumn, col('State', 'A summary of the current state (allocated, pending, reserved, etc.).', resourceClaimState), ageColumn],
  ResourceClaimTemplate: [nameColumn, ageColumn],
  ResourceSlice: [
    nameColumn,
    col('Node', 'NodeName identifies the node which provides the resources in this pool.', (o) => o.spec?.nodeName ?? ''),
    col('Driver', 'Driver identifies the DRA driver providing the capacity information.', (o) => o.spec?.driver ?? ''),
    col('Pool', 'Name is used to identify the pool.', (o) => o.spec?.pool?.name ?? ''),
    ageColumn,
  ],
  ServiceCIDR: [nameColumn, col('CIDRs', 'CIDRs defines the IP blocks in CIDR notation from which to assign service cluster IPs.', (o) => (o.spec?.cidrs ?? []).join(',')), ageColumn],
  IPAddress: [nameColumn, col('ParentRef', 'ParentRef references the resource that an IPAddress is attached to.', ipAddressParent)],
};

// --- cell formats ---------------------------------------------------------------------------

/** duration.HumanDuration (k8s.io/apimachinery/pkg/util/duration): "45s", "3m20s", "5h", "3d4h", "2y". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) return seconds % 60 === 0 ? `${minutes}m` : `${minutes}m${seconds % 60}s`;
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) return minutes % 60 === 0 ? `${hours}h` : `${hours}h${minutes % 60}m`;
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) return hours % 24 === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${hours % 24}h`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const days = Math.trunc(hours / 24) % 365;
    return days === 0 ? `${Math.trunc(hours / 24 / 365)}y` : `${Math.trunc(hours / 24 / 365)}y${days}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** translateTimestampSince: the age of a timestamp, or `<unknown>` without one. */
export function age(timestamp: string | undefined, now: number): string {
  if (!timestamp) return '<unknown>';
  const at = Date.parse(timestamp);
  return Number.isNaN(at) ? '<unknown>' : humanDuration(now - at);
}

/** labels.FormatLabels: sorted `k=v` pairs, or `<none>`. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  return keys.length ? keys.map((k) => `${k}=${labels![k]}`).join(',') : '<none>';
}

/** metav1.LabelSelectorAsSelector(...).String(): requirements sorted by key; empty for none. */
export function labelSelectorString(selector: any): string {
  if (!selector) return '';
  const requirements: [string, string][] = Object.entries(selector.matchLabels ?? {}).map(([k, v]) => [k, `${k}=${v}`]);
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(',');
    if (e.operator === 'In') requirements.push([e.key, `${e.key} in (${values})`]);
    else if (e.operator === 'NotIn') requirements.push([e.key, `${e.key} notin (${values})`]);
    else if (e.operator === 'Exists') requirements.push([e.key, e.key]);
    else if (e.operator === 'DoesNotExist') requirements.push([e.key, `!${e.key}`]);
  }
  return requirements
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, r]) => r)
    .join(',');
}

/** metav1.FormatLabelSelector: the selector string, `<none>` when it selects by nothing. */
export function formatLabelSelector(selector: any): string {
  return labelSelectorString(selector) || '<none>';
}

function intOrString(value: unknown): string {
  return value === undefined || value === null ? 'N/A' : String(value);
}

function boolPtr(value: unknown): string {
  return typeof value === 'boolean' ? (value ? 'True' : 'False') : '<unset>';
}

/** `a,b,c + 2 more...`, or `<unset>` for an empty list (listWithMoreString). */
function listWithMore(items: string[], max: number): string {
  if (items.length === 0) return '<unset>';
  const shown = items.slice(0, max).join(',');
  return items.length > max ? `${shown} + ${items.length - max} more...` : shown;
}

// --- per-kind helpers -----------------------------------------------------------------------

/** printPod's Ready, Status and Restarts. */
function podSummary(o: KubeObject, now = Date.now()): { ready: string; reason: string; restarts: string } {
  const spec = o.spec ?? {};
  const status = o.status ?? {};
  const inits: any[] = spec.initContainers ?? [];
  const sidecar = (name: string) => inits.find((c) => c.name === name)?.restartPolicy === 'Always';
  const total = (spec.containers ?? []).length + inits.filter((c) => c.restartPolicy === 'Always').length;
  let ready = 0;
  let restarts = 0;
  let sidecarRestarts = 0;
  let lastRestart = 0;
  let lastSidecarRestart = 0;
  let reason: string = status.reason || status.phase || '';
  if ((status.conditions ?? []).some((c: any) => c.type === 'PodScheduled' && c.reason === 'SchedulingGated')) reason = 'SchedulingGated';
  const finishedAt = (c: any) => Date.parse(c.lastState?.terminated?.finishedAt ?? '') || 0;

  let initializing = false;
  const initStatuses: any[] = status.initContainerStatuses ?? [];
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(c));
    if (sidecar(c.name)) {
      sidecarRestarts += c.restartCount ?? 0;
      lastSidecarRestart = Math.max(lastSidecarRestart, finishedAt(c));
    }
    const terminated = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (terminated && terminated.exitCode === 0) continue;
    if (sidecar(c.name) && c.started) {
      if (c.ready) ready++;
      continue;
    }
    if (terminated) reason = terminated.reason ? `Init:${terminated.reason}` : terminated.signal ? `Init:Signal:${terminated.signal}` : `Init:ExitCode:${terminated.exitCode}`;
    else if (waiting?.reason && waiting.reason !== 'PodInitializing') reason = `Init:${waiting.reason}`;
    else reason = `Init:${i}/${inits.length}`;
    initializing = true;
    break;
  }
  const initialized = (status.conditions ?? []).some((c: any) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initialized) {
    restarts = sidecarRestarts;
    lastRestart = lastSidecarRestart;
    let hasRunning = false;
    const statuses: any[] = status.containerStatuses ?? [];
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const { waiting, terminated, running } = c.state ?? {};
      if (waiting?.reason) reason = waiting.reason;
      else if (terminated?.reason) reason = terminated.reason;
      else if (terminated) reason = terminated.signal ? `Signal:${terminated.signal}` : `ExitCode:${terminated.exitCode}`;
      else if (c.ready && running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = (status.conditions ?? []).some((c: any) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (o.metadata.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (o.metadata.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  const restartsText = restarts !== 0 && lastRestart > 0 ? `${restarts} (${humanDuration(now - lastRestart)} ago)` : String(restarts);
  return { ready: `${ready}/${total}`, reason, restarts: restartsText };
}

function readinessGates(o: KubeObject): string {
  const gates: any[] = o.spec?.readinessGates ?? [];
  if (gates.length === 0) return '<none>';
  const conditions: any[] = o.status?.conditions ?? [];
  const passed = gates.filter((g) => conditions.find((c) => c.type === g.conditionType)?.status === 'True').length;
  return `${passed}/${gates.length}`;
}

function hasCondition(o: KubeObject, type: string): boolean {
  return (o.status?.conditions ?? []).find((c: any) => c.type === type)?.status === 'True';
}

function jobStatus(o: KubeObject): string {
  if (hasCondition(o, 'Complete')) return 'Complete';
  if (hasCondition(o, 'Failed')) return 'Failed';
  if (o.metadata.deletionTimestamp) return 'Terminating';
  if (hasCondition(o, 'Suspended')) return 'Suspended';
  if (hasCondition(o, 'FailureTarget')) return 'FailureTarget';
  return 'Running';
}

function jobCompletions(o: KubeObject): string {
  const succeeded = int(o.status?.succeeded);
  if (o.spec?.completions !== undefined && o.spec?.completions !== null) return `${succeeded}/${o.spec.completions}`;
  const parallelism = int(o.spec?.parallelism);
  return parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
}

function jobDuration(o: KubeObject, now: number): string {
  const start = Date.parse(o.status?.startTime ?? '');
  if (Number.isNaN(start)) return '';
  const end = Date.parse(o.status?.completionTime ?? '');
  return humanDuration((Number.isNaN(end) ? now : end) - start);
}

/** getServiceExternalIP with wide output (the server's). */
function serviceExternalIP(o: KubeObject): string {
  const external: string[] = o.spec?.externalIPs ?? [];
  switch (o.spec?.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return external.length ? external.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = loadBalancerAddresses(o);
      if (external.length) return [...(lb ? lb.split(',') : []), ...external].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return o.spec?.externalName ?? '';
    default:
      return '<unknown>';
  }
}

/** The load balancer's IPs or host names, sorted and de-duplicated (a sets.String). */
function loadBalancerAddresses(o: KubeObject): string {
  const addresses = new Set<string>();
  for (const i of o.status?.loadBalancer?.ingress ?? []) {
    if (i.ip) addresses.add(i.ip);
    else if (i.hostname) addresses.add(i.hostname);
  }
  return [...addresses].sort().join(',');
}

function servicePorts(o: KubeObject): string {
  const ports: any[] = o.spec?.ports ?? [];
  if (ports.length === 0) return '<none>';
  return ports.map((p) => (p.nodePort > 0 ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`)).join(',');
}

/** formatHosts: up to three hosts, `*` when no rule names one. */
function ingressHosts(o: KubeObject): string {
  const rules: any[] = o.spec?.rules ?? [];
  const hosts = rules
    .slice(0, 3)
    .map((r) => r.host)
    .filter(Boolean);
  if (hosts.length === 0) return '*';
  return rules.length > 3 ? `${hosts.join(',')} + ${rules.length - 3} more...` : hosts.join(',');
}

function ingressClassParameters(o: KubeObject): string {
  const p = o.spec?.parameters;
  if (!p) return '<none>';
  return `${p.kind}${p.apiGroup ? `.${p.apiGroup}` : ''}/${p.name}`;
}

/** formatEndpoints: up to three `ip:port`, then `+ N more...`; `<none>` without subsets. */
function formatEndpoints(o: KubeObject): string {
  const subsets: any[] = o.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const list: string[] = [];
  let total = 0;
  for (const ss of subsets) {
    const addresses: any[] = ss.addresses ?? [];
    const ports: any[] = ss.ports ?? [];
    if (ports.length === 0) {
      total += addresses.length;
      for (const a of addresses) if (list.length < 3) list.push(a.ip);
      continue;
    }
    for (const port of ports) {
      total += addresses.length;
      for (const a of addresses) if (list.length < 3) list.push(a.ip.includes(':') ? `[${a.ip}]:${port.port}` : `${a.ip}:${port.port}`);
    }
  }
  return total > 3 ? `${list.join(',')} + ${total - 3} more...` : list.join(',');
}

function nodeStatus(o: KubeObject): string {
  const readyCondition = (o.status?.conditions ?? []).find((c: any) => c.type === 'Ready');
  const status = [readyCondition ? (readyCondition.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (o.spec?.unschedulable) status.push('SchedulingDisabled');
  return status.join(',');
}

function nodeRoles(o: KubeObject): string {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(o.metadata.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/') && k.length > 'node-role.kubernetes.io/'.length) roles.add(k.slice('node-role.kubernetes.io/'.length));
    else if (k === 'kubernetes.io/role' && v) roles.add(v);
  }
  return [...roles].sort().join(',') || '<none>';
}

function nodeAddress(o: KubeObject, type: string): string {
  return (o.status?.addresses ?? []).find((a: any) => a.type === type)?.address ?? '<none>';
}

/** Last Seen and First Seen of an Event (core/v1 or events.k8s.io/v1 fields). */
function eventTimes(o: KubeObject, now: number): { first: string; last: string } {
  const firstStamp = o.firstTimestamp ?? o.deprecatedFirstTimestamp;
  const lastStamp = o.lastTimestamp ?? o.deprecatedLastTimestamp;
  const first = firstStamp ? age(firstStamp, now) : age(o.eventTime, now);
  let last = lastStamp ? age(lastStamp, now) : first;
  if (o.series) last = age(o.series.lastObservedTime, now);
  return { first, last };
}

function eventCount(o: KubeObject): number {
  if (o.series) return int(o.series.count);
  return int(o.count ?? o.deprecatedCount) || 1;
}

function eventTarget(o: KubeObject): string {
  const ref = o.involvedObject ?? o.regarding ?? {};
  const kind = String(ref.kind ?? '').toLowerCase();
  return ref.name ? `${kind}/${ref.name}` : kind;
}

function eventSource(o: KubeObject): string {
  const source = o.source ?? o.deprecatedSource ?? {};
  const component = source.component || o.reportingController || '';
  const host = source.host || o.reportingInstance || '';
  return host ? `${component}, ${host}` : component;
}

/** helper.GetAccessModesAsString: RWO, ROX, RWX, RWOP in that order. */
function accessModes(modes: string[] | undefined): string {
  const present = new Set(modes ?? []);
  return (
    [
      ['ReadWriteOnce', 'RWO'],
      ['ReadOnlyMany', 'ROX'],
      ['ReadWriteMany', 'RWX'],
      ['ReadWriteOncePod', 'RWOP'],
    ] as const
  )
    .filter(([mode]) => present.has(mode))
    .map(([, short]) => short)
    .join(',');
}

/** The beta storage-class annotation wins over spec.storageClassName (GetPersistentVolume(Claim)Class). */
function storageClassOf(o: KubeObject): string {
  return o.metadata.annotations?.['volume.beta.kubernetes.io/storage-class'] ?? o.spec?.storageClassName ?? '';
}

function isDefaultClass(o: KubeObject, kind: 'storageclass' | 'volumeattributesclass'): boolean {
  const a = o.metadata.annotations ?? {};
  if (kind === 'storageclass') return a['storageclass.kubernetes.io/is-default-class'] === 'true' || a['storageclass.beta.kubernetes.io/is-default-class'] === 'true';
  return a['resource.kubernetes.io/is-default-class'] === 'true';
}

function componentCondition(o: KubeObject): { status: string; message: string; error: string } {
  const healthy = (o.conditions ?? []).find((c: any) => c.type === 'Healthy');
  if (!healthy) return { status: 'Unknown', message: '', error: '' };
  return { status: healthy.status === 'True' ? 'Healthy' : 'Unhealthy', message: healthy.message ?? '', error: healthy.error ?? '' };
}

/** formatHPAMetrics for autoscaling/v2 metrics (and v1's targetCPUUtilizationPercentage). */
function hpaTargets(o: KubeObject): string {
  let specs: any[] = o.spec?.metrics ?? [];
  let statuses: any[] = o.status?.currentMetrics ?? [];
  if (specs.length === 0 && o.spec?.targetCPUUtilizationPercentage !== undefined) {
    specs = [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: o.spec.targetCPUUtilizationPercentage } } }];
    const current = o.status?.currentCPUUtilizationPercentage;
    statuses = current !== undefined ? [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: current } } }] : [];
  }
  if (specs.length === 0) return '<none>';
  const list = specs.map((spec, i) => hpaMetric(spec, statuses[i]));
  return list.length > 2 ? `${list.slice(0, 2).join(', ')} + ${list.length - 2} more...` : list.join(', ');
}

function hpaMetric(spec: any, status: any): string {
  const unknown = '<unknown>';
  switch (spec.type) {
    case 'External': {
      const target = spec.external?.target ?? {};
      if (target.averageValue !== undefined) return `${status?.external?.current?.averageValue ?? unknown}/${target.averageValue} (avg)`;
      return `${status?.external?.current?.value ?? unknown}/${target.value}`;
    }
    case 'Pods':
      return `${status?.pods?.current?.averageValue ?? unknown}/${spec.pods?.target?.averageValue}`;
    case 'Object': {
      const target = spec.object?.target ?? {};
      if (target.averageValue !== undefined) return `${status?.object?.current?.averageValue ?? unknown}/${target.averageValue} (avg)`;
      return `${status?.object?.current?.value ?? unknown}/${target.value}`;
    }
    case 'Resource':
    case 'ContainerResource': {
      const source = spec.type === 'Resource' ? spec.resource : spec.containerResource;
      const current = spec.type === 'Resource' ? status?.resource?.current : status?.containerResource?.current;
      const target = source?.target ?? {};
      if (target.averageValue !== undefined) return `${source.name}: ${current?.averageValue ?? unknown}/${target.averageValue}`;
      const now = current?.averageUtilization !== undefined ? `${current.averageUtilization}%` : unknown;
      return `${source?.name}: ${now}/${target.averageUtilization !== undefined ? `${target.averageUtilization}%` : '<auto>'}`;
    }
    default:
      return '<unknown type>';
  }
}

/** RoleBinding / ClusterRoleBinding: Role, and who is bound (wide). */
function bindingColumns(kind: string): Column[] {
  const subjects = (o: KubeObject, type: string): string =>
    (o.subjects ?? [])
      .filter((s: any) => s.kind === type)
      .map((s: any) => (type === 'ServiceAccount' ? `${s.namespace ?? ''}/${s.name}` : s.name))
      .join(', ');
  return [
    nameColumn,
    col('Role', 'RoleRef can reference a Role in the current namespace or a ClusterRole in the global namespace.', (o) => `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}`),
    ageColumn,
    wide('Users', `Users in the ${kind}`, (o) => subjects(o, 'User')),
    wide('Groups', `Groups in the ${kind}`, (o) => subjects(o, 'Group')),
    wide('ServiceAccounts', `ServiceAccounts in the ${kind}`, (o) => subjects(o, 'ServiceAccount')),
  ];
}

function csrCondition(o: KubeObject): string {
  const types = new Set((o.status?.conditions ?? []).map((c: any) => c.type));
  let status = types.has('Denied') ? 'Denied' : types.has('Approved') ? 'Approved' : 'Pending';
  if (types.has('Failed')) status += ',Failed';
  if (o.status?.certificate) status += ',Issued';
  return status;
}

/** `daemonset.apps/web`: the controller owner as formatResourceName prints it. */
function controllerOf(o: KubeObject): string {
  const ref = (o.metadata.ownerReferences ?? []).find((r) => r.controller);
  if (!ref) return '<none>';
  const group = ref.apiVersion.includes('/') ? ref.apiVersion.split('/')[0] : '';
  return `${(group ? `${ref.kind}.${group}` : ref.kind).toLowerCase()}/${ref.name}`;
}

/** `requests.cpu: 0/1, pods: 2/10`: used/hard per resource, `limits.*` in their own column. */
function quotaUsage(o: KubeObject, limits: boolean): string {
  const hard: Record<string, string> = o.status?.hard ?? {};
  const used: Record<string, string> = o.status?.used ?? {};
  return Object.keys(hard)
    .sort()
    .filter((r) => r.startsWith('limits.') === limits)
    .map((r) => `${r}: ${used[r] ?? '0'}/${hard[r]}`)
    .join(', ');
}

function admissionPolicyColumns(name: string, description: string, field: string): Column[] {
  return [
    nameColumn,
    col(name, description, (o) => count(o.spec?.[field]), 'integer'),
    col('ParamKind', 'ParamKind specifies the kind of resources used to parameterize this policy', (o) => (o.spec?.paramKind ? `${o.spec.paramKind.apiVersion}/${o.spec.paramKind.kind}` : '<unset>')),
    ageColumn,
  ];
}

function admissionBindingColumns(): Column[] {
  const paramRef = (o: KubeObject): string => {
    const ref = o.spec?.paramRef;
    if (!ref) return '<unset>';
    if (ref.name) return ref.namespace ? `${ref.namespace}/${ref.name}` : `*/${ref.name}`;
    return ref.selector ? formatLabelSelector(ref.selector) : '<unset>';
  };
  return [
    nameColumn,
    col('PolicyName', 'PolicyName indicates the policy definition which the policy binding binded to', (o) => o.spec?.policyName ?? ''),
    col('ParamRef', 'ParamRef indicates the param resource which sets the configration param', paramRef),
    ageColumn,
  ];
}

function resourceClaimState(o: KubeObject): string {
  const states: string[] = [];
  if (o.metadata.deletionTimestamp) states.push('deleted');
  if (!o.status?.allocation) {
    if (!o.metadata.deletionTimestamp) states.push('pending');
  } else {
    states.push('allocated');
    if ((o.status?.reservedFor ?? []).length) states.push('reserved');
  }
  return states.join(',');
}

function ipAddressParent(o: KubeObject): string {
  const ref = o.spec?.parentRef;
  if (!ref) return '<none>';
  const resource = (ref.group ? `${ref.resource}.${ref.group}` : ref.resource).toLowerCase();
  return `${resource}${ref.namespace ? `/${ref.namespace}` : ''}/${ref.name}`;
}
