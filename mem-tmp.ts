import { startSandbox } from '#sandbox/sandbox.ts';
import { request, Agent } from 'node:https';
const mu = (l: string) => { global.gc?.(); const m = process.memoryUsage(); console.log(l, 'rss', (m.rss/1048576).toFixed(0), 'heapUsed', (m.heapUsed/1048576).toFixed(0), 'heapTotal', (m.heapTotal/1048576).toFixed(0)); };
const s = await startSandbox({ port: 0 });
const agent = new Agent({ keepAlive: true, maxSockets: 8, ca: s.caPem });
const u = new URL(s.url);
const call = (method: string, path: string, body: any, ct='application/apply-patch+yaml') => new Promise<number>((res, rej) => { const p = JSON.stringify(body); const r = request({host:u.hostname,port:u.port,method,path,agent,headers:{Authorization:`Bearer ${s.credentials.adminToken}`,'Content-Type':ct,'Content-Length':Buffer.byteLength(p)}}, (x)=>{x.resume(); x.on('end',()=>res(x.statusCode!))}); r.on('error',rej); r.end(p); });
async function pool(n: number, c: number, f: (i:number)=>Promise<void>) { let next=0; await Promise.all(Array.from({length:c}, async()=>{ while(next<n) await f(next++); })); }
mu('start');
await call('PATCH','/api/v1/namespaces/b?fieldManager=x',{apiVersion:'v1',kind:'Namespace',metadata:{name:'b'}});
await pool(1000,8,async i=>{ await call('PATCH',`/api/v1/namespaces/b/configmaps/cm-${i}?fieldManager=x`,{apiVersion:'v1',kind:'ConfigMap',metadata:{name:`cm-${i}`},data:{index:String(i),payload:'x'.repeat(200)}}); });
mu('1000cm');
await pool(200,8,async i=>{ await call('PATCH',`/apis/apps/v1/namespaces/b/deployments/d-${i}?fieldManager=x`,{apiVersion:'apps/v1',kind:'Deployment',metadata:{name:`d-${i}`},spec:{replicas:2,selector:{matchLabels:{app:`d-${i}`}},template:{metadata:{labels:{app:`d-${i}`}},spec:{containers:[{name:'c',image:'nginx:1.27',ports:[{containerPort:80}]}]}}}}); });
await s.settle(); mu('200dep');
const store: any = s.cluster.store;
let sz=0; const kinds: Record<string,[number,number]> = {};
for (const [k,o] of store.entries()) { const l=JSON.stringify(o).length; sz+=l; kinds[k]=[(kinds[k]?.[0]??0)+1,(kinds[k]?.[1]??0)+l]; }
console.log('store objects', store.count(), 'json MB', (sz/1048576).toFixed(1));
console.log(Object.entries(kinds).sort((a,b)=>b[1][1]-a[1][1]).slice(0,8).map(([k,[n,l]])=>`${k}:${n}:${(l/1024).toFixed(0)}KB`).join(' '));
let lz=0; for (const e of store.log) lz += JSON.stringify(e.object).length; console.log('log', store.log.length, 'MB', (lz/1048576).toFixed(1));
await s.close(); agent.destroy();
