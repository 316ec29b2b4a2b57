var q=1024n,D=1024n**2n,_=1024n**3n,H=1024n**4n;function O(o,e){let s=o*100n,t=s/e,n=s%e*2n;(n>e||n===e&&t%2n===1n)&&(t+=1n);let d=(t%100n).toString().padStart(2,"0");return`${t/100n}.${d}`}function x(o){let e=Number.isFinite(o)&&o>0?BigInt(Math.floor(o)):0n;return e<D?`${e/q}KB`:e<_?`${e/D}MB`:e<H?`${O(e,_)}GB`:`${O(e,H)}TB`}function L(o,e){return Array.from({length:e-o+1},(s,t)=>o+t)}var se={name:"month",min:1,max:12,absent:L(1,12)},ae={name:"day",min:1,max:31,absent:L(1,31)};var oe=3*36e5;var I=new Map;function f(o,e){let s=I.get(e);return s||(s=new Intl.DateTimeFormat("sv-SE",{timeZone:e,year:"numeric",month:"2-digit",day:"2-digit",hour:"2-digit",minute:"2-digit",hourCycle:"h23"}),I.set(e,s)),s.format(o)}var Z={"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"};function r(o){return String(o??"").replace(/[&<>"']/g,e=>Z[e]??e)}function T(o,e){let s=Math.max(0,Math.round((e-o)/6e4));if(s<60)return`${s} min`;let t=Math.round(s/60);return t<48?`${t} h`:`${Math.round(t/24)} d`}function w(o,e){return f(o,e).slice(11,16)}function F(o,e){return f(o,e).slice(0,10)}var N=`
pve-backup-panel {
  --pvb-bg: var(--primary-background-color, #fafafa);
  --pvb-card: var(--ha-card-background, var(--card-background-color, #ffffff));
  --pvb-text: var(--primary-text-color, #212121);
  --pvb-muted: var(--secondary-text-color, #727272);
  --pvb-divider: var(--divider-color, rgba(0, 0, 0, 0.12));
  --pvb-primary: var(--primary-color, #03a9f4);
  --pvb-ok: var(--success-color, #43a047);
  --pvb-warn: var(--warning-color, #ffa600);
  --pvb-err: var(--error-color, #db4437);
  --pvb-info: var(--info-color, #039be5);
  --pvb-code: var(--secondary-background-color, #f0f0f0);
  --pvb-radius: var(--ha-card-border-radius, 12px);
  display: block; box-sizing: border-box; min-height: 100vh; padding: 16px;
  background: var(--pvb-bg); color: var(--pvb-text);
  font-family: var(--paper-font-body1_-_font-family, Roboto, system-ui, sans-serif); font-size: 14px;
}
@media (prefers-color-scheme: dark) {
  pve-backup-panel:not([data-ha]) {
    --pvb-bg: #111111; --pvb-card: #1c1c1c; --pvb-text: #e1e1e1; --pvb-muted: #9b9b9b;
    --pvb-divider: rgba(225, 225, 225, 0.12); --pvb-code: #282828;
  }
}
pve-backup-panel * { box-sizing: border-box; }
.pvb-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin: 0 0 12px; }
.pvb-head h1 { font-size: 22px; font-weight: 400; margin: 0; flex: 1 1 auto; }
.pvb-now { color: var(--pvb-muted); font-size: 12px; }
.pvb-tabs { display: flex; gap: 4px; flex-wrap: wrap; margin-bottom: 12px; }
.pvb-tabs button { border: 0; background: transparent; color: var(--pvb-muted); padding: 8px 12px;
  border-bottom: 2px solid transparent; font: inherit; cursor: pointer; }
.pvb-tabs button[aria-selected="true"] { color: var(--pvb-primary); border-bottom-color: var(--pvb-primary); }
.pvb-card { background: var(--pvb-card); border-radius: var(--pvb-radius);
  border: var(--ha-card-border-width, 1px) solid var(--ha-card-border-color, var(--pvb-divider));
  box-shadow: var(--ha-card-box-shadow, none); padding: 16px; margin-bottom: 16px; overflow-x: auto; }
.pvb-card h2 { font-size: 18px; font-weight: 400; margin: 0 0 12px; }
.pvb-filters { display: flex; gap: 8px; flex-wrap: wrap; margin-bottom: 12px; }
.pvb-filters input, .pvb-filters select, .pvb-card select { font: inherit; color: var(--pvb-text);
  background: var(--pvb-card); border: 1px solid var(--pvb-divider); border-radius: 6px; padding: 6px 8px; }
.pvb-filters input { flex: 1 1 160px; min-width: 0; }
table.pvb-table { border-collapse: collapse; width: 100%; }
.pvb-table th, .pvb-table td { text-align: left; padding: 8px 6px; border-bottom: 1px solid var(--pvb-divider); vertical-align: top; }
.pvb-table th { color: var(--pvb-muted); font-weight: 500; font-size: 12px; }
.pvb-table tbody tr.pvb-guest { cursor: pointer; }
.pvb-table tr.pvb-detail td { background: var(--pvb-code); }
.pvb-muted { color: var(--pvb-muted); }
.pvb-chip { display: inline-block; border-radius: 10px; padding: 1px 8px; font-size: 12px; white-space: nowrap;
  color: #fff; background: var(--pvb-muted); }
.pvb-chip.ok { background: var(--pvb-ok); }
.pvb-chip.late, .pvb-chip.never, .pvb-chip.not_in_job, .pvb-chip.warnings { background: var(--pvb-warn); color: #212121; }
.pvb-chip.failed { background: var(--pvb-err); }
.pvb-chip.running, .pvb-chip.waiting { background: var(--pvb-info); }
button.pvb-btn { font: inherit; border-radius: 6px; padding: 6px 14px; cursor: pointer;
  border: 1px solid var(--pvb-primary); background: transparent; color: var(--pvb-primary); }
button.pvb-btn.primary { background: var(--pvb-primary); color: #fff; }
button.pvb-btn:disabled { opacity: .45; cursor: default; }
button.pvb-link { font: inherit; border: 0; background: none; padding: 0; color: var(--pvb-primary); cursor: pointer; text-decoration: underline; }
.pvb-problem { color: var(--pvb-err); }
.pvb-warn-text { color: var(--pvb-warn); }
pre.pvb-code { background: var(--pvb-code); border-radius: 6px; padding: 8px; margin: 0; overflow-x: auto;
  font: 12px/1.5 ui-monospace, SFMono-Regular, Menlo, monospace; white-space: pre; }
.pvb-diff .add { color: var(--pvb-ok); } .pvb-diff .del { color: var(--pvb-err); text-decoration: line-through; }
.pvb-diff .chg { color: var(--pvb-warn); }
.pvb-diff { font: 13px/1.6 ui-monospace, SFMono-Regular, Menlo, monospace; margin: 0 0 12px; overflow-x: auto; white-space: pre; }
.pvb-diff .job { color: var(--pvb-text); font-weight: 600; }
.pvb-actions { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; margin-top: 8px; }
.pvb-pveum { display: flex; gap: 8px; align-items: flex-start; margin-bottom: 6px; }
.pvb-pveum pre { flex: 1 1 auto; min-width: 0; }
/* timeline */
.pvb-tl { position: relative; min-width: 300px; }
.pvb-tl-axis, .pvb-tl-row { display: grid; grid-template-columns: 140px 1fr; align-items: center; }
.pvb-tl-row { min-height: 28px; border-bottom: 1px solid var(--pvb-divider); }
.pvb-tl-tier { font-weight: 600; padding: 8px 0 2px; color: var(--pvb-muted); }
.pvb-tl-name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; padding-right: 6px; }
.pvb-tl-track { position: relative; height: 28px; }
.pvb-tl-ticks { position: relative; height: 18px; color: var(--pvb-muted); font-size: 11px; }
.pvb-tl-ticks span { position: absolute; transform: translateX(-50%); white-space: nowrap; }
.pvb-tl-ticks span:last-child { transform: translateX(-100%); }
.pvb-tl-grid { position: absolute; top: 0; bottom: 0; border-left: 1px dashed var(--pvb-divider); }
.pvb-bar { position: absolute; top: 6px; height: 16px; border-radius: 4px; border: 0; padding: 0; cursor: pointer;
  background: var(--pvb-ok); opacity: .9; min-width: 4px; }
.pvb-bar.warnings { background: var(--pvb-warn); } .pvb-bar.failed { background: var(--pvb-err); }
.pvb-bar.running, .pvb-bar.waiting { background: var(--pvb-info); }
/* dialogs */
.pvb-modal { position: fixed; inset: 0; background: rgba(0,0,0,.45); display: flex; align-items: center;
  justify-content: center; padding: 16px; z-index: 10; }
.pvb-modal > div { background: var(--pvb-card); color: var(--pvb-text); border-radius: var(--pvb-radius);
  padding: 16px; max-width: 900px; width: 100%; max-height: 90vh; overflow: auto; }
.pvb-modal h3 { margin: 0 0 12px; font-weight: 400; }
.pvb-toast { margin: 8px 0; padding: 8px 12px; border-radius: 6px; background: var(--pvb-code); }
@media (max-width: 600px) {
  pve-backup-panel { padding: 8px; }
  .pvb-card { padding: 12px 8px; }
  .pvb-wide { display: none; }
  .pvb-tl-axis, .pvb-tl-row { grid-template-columns: 84px 1fr; }
  .pvb-tl { min-width: 0; }
}
`;var X=["--primary-color","--accent-color","--primary-text-color","--secondary-text-color","--disabled-text-color","--divider-color","--error-color","--warning-color","--success-color","--info-color","--card-background-color","--primary-background-color","--secondary-background-color","--ha-card-background","--ha-card-border-radius","--ha-card-border-color","--ha-card-border-width","--ha-card-box-shadow","--paper-font-body1_-_font-family"];function E(o){let e;try{if(window.parent===window)return!1;e=window.parent.document.documentElement}catch{return!1}let s=window.parent.getComputedStyle(e),t=!1;for(let n of X){let d=s.getPropertyValue(n).trim();d&&(o.style.setProperty(n,d),t=!0)}return t&&o.setAttribute("data-ha",""),t}var v=36e5;function G(o,e){return F(o+12*v,e)}function V(o,e){return[...new Set(o.map(s=>G(Date.parse(s.start),e)))].sort().reverse()}function U(o){let{timeZone:e,nowMs:s}=o,n=o.attempts.filter(a=>G(Date.parse(a.start),e)===o.night).map(a=>{let l=Date.parse(a.start),m=a.end===null,$=Math.max(l+6e4,m?s:Date.parse(a.end));return{a,startMs:l,endMs:$,running:m}}),d=Math.min(...n.map(a=>a.startMs)),i=Math.max(...n.map(a=>a.endMs)),c=n.length?Math.floor(d/v)*v:0,p=n.length?Math.max(c+v,Math.ceil(i/v)*v):v,u=p-c,b=a=>(a-c)/u*100,C=[],K=u>8*v?2*v:v;for(let a=c;a<=p;a+=K)C.push({leftPct:b(a),label:w(a,e)});let h=(a,l)=>`${a}/${l}`,W=new Map(o.guests.map(a=>[h(a.cluster,a.vmid),a])),g=new Map;for(let{a,startMs:l,endMs:m,running:$}of n){let B=g.get(h(a.cluster,a.vmid))??[];B.push({upid:a.upid,cluster:a.cluster,vmid:a.vmid,startMs:l,endMs:m,outcome:a.outcome,running:$,leftPct:b(l),widthPct:Math.max(.5,b(m)-b(l)),label:`${w(l,e)}\u2013${$?"now":w(m,e)} ${a.outcome}${a.error?`: ${a.error}`:""}`}),g.set(h(a.cluster,a.vmid),B)}let J=a=>a.tier,j=(a,l)=>{let m=W.get(h(a,l));return{cluster:a,vmid:l,name:m?.name??String(l),tier:m?J(m):null,bars:g.get(h(a,l))??[]}},y=[],P=new Set;for(let a of o.guests)a.tier===null&&!g.has(h(a.cluster,a.vmid))||(y.push(j(a.cluster,a.vmid)),P.add(h(a.cluster,a.vmid)));for(let a of g.keys())if(!P.has(a)){let[l,m]=[a.slice(0,a.lastIndexOf("/")),Number(a.slice(a.lastIndexOf("/")+1))];y.push(j(l,m))}let k=o.tiers.map(a=>a.name),R=a=>{if(a===null)return k.length+1;let l=k.indexOf(a);return l===-1?k.length:l};y.sort((a,l)=>R(a.tier)-R(l.tier)||String(a.tier).localeCompare(String(l.tier))||a.vmid-l.vmid||a.cluster.localeCompare(l.cluster));let M=[];for(let a of y){let l=M.at(-1);l&&l.tier===a.tier?l.rows.push(a):M.push({tier:a.tier,rows:[a]})}return{night:o.night,axisStartMs:c,axisEndMs:p,ticks:C,groups:M}}var z=[["guests","Guests"],["timeline","Timeline"],["policy","Policy"],["doctor","Permissions"]],Q=["running","failed","not_in_job","never","late","ok","unknown"],Y=new Set(["failed","not_in_job","never","late"]),A=class extends HTMLElement{base="";tab="guests";overview;overviewError;filter={text:"",status:"all",tier:"all"};open;archives=new Map;night;plans;planError;applying=!1;applyResult;doctor;doctorError;modal;timer;connectedCallback(){this.base=this.dataset.base??"";let e=location.hash.slice(1);z.some(([s])=>s===e)&&(this.tab=e),E(this),this.addEventListener("click",s=>{this.onClick(s)}),this.addEventListener("input",s=>this.onInput(s)),this.addEventListener("change",s=>this.onInput(s)),this.addEventListener("keydown",s=>{let t=s.target.closest("tr[data-action=guest]");t&&(s.key==="Enter"||s.key===" ")&&(s.preventDefault(),t.click())}),document.addEventListener("keydown",s=>{s.key==="Escape"&&this.modal&&!this.applying&&this.closeModal()}),this.render(),this.loadOverview(),this.timer=window.setInterval(()=>{E(this),document.visibilityState==="visible"&&this.loadOverview()},15e3),this.loadTab()}disconnectedCallback(){window.clearInterval(this.timer)}async api(e,s){let t=await fetch(`${this.base}/api/panel/${e}`,{credentials:"same-origin",...s}),n=await t.json().catch(()=>({}));if(!t.ok)throw new Error(n.error??`${t.status} ${t.statusText}`);return n}async loadOverview(){try{this.overview=await this.api("overview"),this.overviewError=void 0}catch(e){this.overviewError=e.message}this.refreshView()}refreshView(){let e=this.querySelector("tbody[data-guests]"),s=document.activeElement;this.modal||this.tab==="policy"||this.tab==="doctor"?this.renderHead():this.tab==="guests"&&e?(this.renderHead(),e.innerHTML=this.guestRows()):this.tab==="timeline"&&s instanceof HTMLSelectElement&&this.contains(s)?this.renderHead():this.render()}async loadTab(){this.tab==="policy"&&!this.plans&&await this.loadPlan(),this.tab==="doctor"&&!this.doctor&&await this.loadDoctor()}async loadPlan(){try{this.plans=(await this.api("plan")).clusters,this.planError=void 0}catch(e){this.plans=void 0,this.planError=e.message}this.render()}async loadDoctor(){try{this.doctor=(await this.api("doctor")).clusters,this.doctorError=void 0}catch(e){this.doctorError=e.message}this.render()}onInput(e){let s=e.target,t=s.dataset.filter;if(t){this.filter[t]=s.value;let n=this.querySelector("tbody[data-guests]");n&&(n.innerHTML=this.guestRows());return}s.dataset.night!==void 0&&e.type==="change"&&(this.night=s.value,this.render())}async onClick(e){let s=e.target.closest("[data-action]");if(!s)return;let t=s.dataset;switch(t.action){case"tab":this.tab=t.tab,history.replaceState(null,"",`#${this.tab}`),this.render(),await this.loadTab();return;case"guest":{let n=t.key;this.open=this.open===n?void 0:n,this.render(),this.open&&!this.archives.has(n)&&await this.loadArchives(n);return}case"log":e.stopPropagation(),await this.showLog(t.cluster,t.upid,t.title??"Task log");return;case"close":this.closeModal();return;case"reload-plan":this.applyResult=void 0,this.plans=void 0,this.render(),await this.loadPlan();return;case"apply":if(!this.plans)return;this.modal={kind:"confirm",plans:this.plans.filter(n=>!n.inSync&&!n.blocked)},this.render(),this.querySelector("[data-action=cancel]")?.focus();return;case"cancel":this.closeModal();return;case"confirm-apply":await this.apply();return;case"copy":await ne(t.text??"",s);return}}closeModal(){this.modal=void 0,this.render()}async loadArchives(e){let[s,t]=te(e);try{let n=await this.api(`archives?cluster=${encodeURIComponent(s)}&vmid=${t}`);this.archives.set(e,n.storages)}catch(n){this.archives.set(e,n.message)}this.render()}async showLog(e,s,t){this.modal={kind:"log",title:t},this.render();try{let n=await this.api(`task-log?cluster=${encodeURIComponent(e)}&upid=${encodeURIComponent(s)}`);this.modal?.kind==="log"&&(this.modal={...this.modal,log:n})}catch(n){this.modal?.kind==="log"&&(this.modal={...this.modal,error:n.message})}this.render()}async apply(){if(this.applying||this.modal?.kind!=="confirm")return;let e=Object.fromEntries(this.modal.plans.map(t=>[t.cluster,t.fingerprint]));this.applying=!0,this.render();try{let t=await this.api("apply",{method:"POST",headers:{"content-type":"application/json"},body:JSON.stringify({confirmed:e})}),n=t.clusters.find(i=>i.applied?.failed),d=t.clusters.reduce((i,c)=>i+(c.applied?.applied.length??0),0);this.applyResult=n?.applied?.failed?{ok:!1,text:`${n.cluster}: ${n.applied.failed.action} ${n.applied.failed.id} failed: ${n.applied.failed.error}. ${d} change(s) applied; apply again once fixed.`}:{ok:!0,text:`Applied ${d} change(s).`}}catch(t){this.applyResult={ok:!1,text:t.message}}this.applying=!1,this.modal=void 0;let s=this.applyResult;await Promise.all([this.loadPlan(),this.loadOverview()]),this.applyResult=s,this.render()}render(){let e=this.modal?this.renderModal(this.modal):"";this.innerHTML=`<style>${N}</style>
<div class="pvb-head" data-head>${this.headHtml()}</div>
<nav class="pvb-tabs" role="tablist">${z.map(([s,t])=>`<button role="tab" data-action="tab" data-tab="${s}" aria-selected="${s===this.tab}">${t}</button>`).join("")}</nav>
<main>${this.tabHtml()}</main>${e}`}renderHead(){let e=this.querySelector("[data-head]");e&&(e.innerHTML=this.headHtml())}headHtml(){let e=this.overview,s=e?.guests.filter(n=>Y.has(n.status)).length??0,t=(e?.clusters??[]).filter(n=>!n.reachable||n.problems.length>0).map(n=>`<div class="pvb-problem">${r(n.cluster)}: ${n.reachable?"":"unreachable. "}${r(n.problems.join("; "))}</div>`).join("");return`<h1>PVE Backup</h1>
<span class="pvb-now">${e?`${e.guests.length} guests, ${s} with problems \xB7 ${r(f(Date.parse(e.now),e.timeZone))} (${r(e.timeZone)})`:""}</span>
${this.overviewError?`<div class="pvb-problem" style="flex-basis:100%">${r(this.overviewError)}</div>`:""}
${t?`<div style="flex-basis:100%">${t}</div>`:""}`}tabHtml(){let e=this.overview;return this.tab==="policy"?this.policyHtml():this.tab==="doctor"?this.doctorHtml():e?e.ready?this.tab==="timeline"?this.timelineHtml(e):this.guestsHtml(e):'<div class="pvb-card">Reading Proxmox VE\u2026 the guests appear after the first refresh.</div>':`<div class="pvb-card">${this.overviewError?"":"Loading\u2026"}</div>`}guestsHtml(e){let s=[...new Set(e.guests.map(n=>n.tier??""))].sort(),t=(n,d,i)=>`<option value="${r(n)}"${n===i?" selected":""}>${r(d)}</option>`;return`<section class="pvb-card" data-section="guests">
<div class="pvb-filters">
<input type="search" placeholder="Filter by name, vmid, node\u2026" aria-label="Filter guests" data-filter="text" value="${r(this.filter.text)}">
<select aria-label="Status" data-filter="status">${t("all","All statuses",this.filter.status)}${t("problems","Problems",this.filter.status)}${Q.map(n=>t(n,n,this.filter.status)).join("")}</select>
<select aria-label="Tier" data-filter="tier">${t("all","All tiers",this.filter.tier)}${s.map(n=>t(n,n||"no tier",this.filter.tier)).join("")}</select>
</div>
<table class="pvb-table"><thead><tr><th>VMID</th><th>Guest</th><th>Tier</th><th>Status</th><th>Last backup</th><th class="pvb-wide">Size</th><th class="pvb-wide">Why</th></tr></thead>
<tbody data-guests>${this.guestRows()}</tbody></table></section>`}guestRows(){let e=this.overview;if(!e)return"";let s=Date.parse(e.now),t=this.filter,n=t.text.trim().toLowerCase(),d=e.guests.filter(i=>(t.status==="all"||(t.status==="problems"?Y.has(i.status):i.status===t.status))&&(t.tier==="all"||(i.tier??"")===t.tier)&&(n===""||`${i.vmid} ${i.name} ${i.node} ${i.cluster}`.toLowerCase().includes(n)));return d.length===0?'<tr><td colspan="7" class="pvb-muted">No guest matches the filters.</td></tr>':d.map(i=>{let c=`${i.cluster}/${i.vmid}`,p=i.lastBackup,u=`<tr class="pvb-guest" tabindex="0" data-action="guest" data-key="${r(c)}" data-vmid="${i.vmid}" aria-expanded="${this.open===c}">
<td>${i.vmid}</td><td>${r(i.name)}<div class="pvb-muted">${r(i.type)} on ${r(i.node)}</div></td><td>${r(i.tier??"\u2013")}</td>
<td><span class="pvb-chip ${r(i.status)}">${r(i.status.replace(/_/g," "))}</span></td>
<td>${p?`${r(T(Date.parse(p.time),s))} ago<div class="pvb-muted">${r(f(Date.parse(p.time),e.timeZone))}</div>`:"\u2013"}</td>
<td class="pvb-wide">${p?r(x(p.size)):"\u2013"}</td><td class="pvb-wide">${r(i.reason)}</td></tr>`;return this.open===c?u+this.guestDetail(i,s,e.timeZone):u}).join("")}guestDetail(e,s,t){let n=`${e.cluster}/${e.vmid}`,d=this.archives.get(n),i=e.lastAttempt?`<p>Last attempt ${r(f(Date.parse(e.lastAttempt.time),t))}: <span class="pvb-chip ${r(e.lastAttempt.outcome)}">${r(e.lastAttempt.outcome)}</span>${e.lastAttempt.error?` <span class="pvb-problem">${r(e.lastAttempt.error)}</span>`:""} <button class="pvb-link" data-action="log" data-cluster="${r(e.cluster)}" data-upid="${r(e.lastAttempt.upid)}" data-title="${r(`${e.name}: task log`)}">task log</button></p>`:'<p class="pvb-muted">No backup attempt in the task history.</p>',c=`<p class="pvb-muted">Jobs: ${e.jobs.length?r(e.jobs.join(", ")):"none enabled"}${e.expectedBy?` \xB7 due by ${r(f(Date.parse(e.expectedBy),t))}`:""}</p>`,p;return d===void 0?p='<p class="pvb-muted">Reading archives\u2026</p>':typeof d=="string"?p=`<p class="pvb-problem">${r(d)}</p>`:d.length===0?p='<p class="pvb-muted">No backup storage is active.</p>':p=d.map(u=>`<div data-storage="${r(u.key)}"><strong>${r(u.key)}</strong>${u.error?` <span class="pvb-problem">${r(u.error)}</span>`:""}
${u.archives.length===0?u.error?"":'<div class="pvb-muted">no archives</div>':`<table class="pvb-table pvb-archives"><thead><tr><th>Age</th><th>Time</th><th>Size</th><th class="pvb-wide">Archive</th></tr></thead><tbody>${u.archives.map(b=>`<tr data-volid="${r(b.volid)}"><td>${r(T(b.timeMs,s))}</td><td>${r(f(b.timeMs,t))}${b.protected?' <span class="pvb-chip">protected</span>':""}</td><td>${r(x(b.sizeBytes))}</td><td class="pvb-wide pvb-muted">${r(b.volid)}</td></tr>`).join("")}</tbody></table>`}</div>`).join(""),`<tr class="pvb-detail"><td colspan="7">${i}${c}${p}</td></tr>`}timelineHtml(e){let s=V(e.attempts,e.timeZone);if(s.length===0)return'<section class="pvb-card" data-section="timeline"><h2>Backup window</h2><p class="pvb-muted">No backup task in the task history yet.</p></section>';let t=this.night&&s.includes(this.night)?this.night:s[0],n=U({night:t,attempts:e.attempts,guests:e.guests,tiers:e.tiers,timeZone:e.timeZone,nowMs:Date.parse(e.now)}),d=n.ticks.map(c=>`<div class="pvb-tl-grid" style="left:${c.leftPct}%"></div>`).join(""),i=n.groups.map(c=>`<div class="pvb-tl-group" data-tier="${r(c.tier??"")}"><div class="pvb-tl-tier">${r(c.tier??"no tier")}</div>${c.rows.map(p=>`<div class="pvb-tl-row" data-vmid="${p.vmid}"><div class="pvb-tl-name" title="${r(p.name)}">${p.vmid} ${r(p.name)}</div><div class="pvb-tl-track">${d}${p.bars.map(u=>`<button class="pvb-bar ${r(u.outcome)}" style="left:${u.leftPct}%;width:${u.widthPct}%" title="${r(`${p.name}: ${u.label}`)}" aria-label="${r(`${p.name}: ${u.label}`)}" data-action="log" data-cluster="${r(u.cluster)}" data-upid="${r(u.upid)}" data-start="${u.startMs}" data-end="${u.endMs}" data-title="${r(`${p.name}: ${u.label}`)}"></button>`).join("")}</div></div>`).join("")}</div>`).join("");return`<section class="pvb-card" data-section="timeline">
<div class="pvb-actions" style="margin:0 0 12px"><h2 style="margin:0;flex:1 1 auto">Backup window</h2>
<select aria-label="Night" data-night>${s.map(c=>`<option value="${r(c)}"${c===t?" selected":""}>night to ${r(c)}</option>`).join("")}</select></div>
<div class="pvb-tl" data-night-shown="${r(t)}">
<div class="pvb-tl-axis"><div></div><div class="pvb-tl-ticks">${n.ticks.map(c=>`<span style="left:${c.leftPct}%">${r(c.label)}</span>`).join("")}</div></div>
${i}</div>
<p class="pvb-muted">Each bar is a guest's vzdump task, start to end (${r(e.timeZone)}); click one for its log.</p></section>`}policyHtml(){if(this.planError)return`<section class="pvb-card" data-section="policy"><h2>Policy</h2><p class="pvb-problem">${r(this.planError)}</p><button class="pvb-btn" data-action="reload-plan">Try again</button></section>`;if(!this.plans)return`<section class="pvb-card" data-section="policy"><h2>Policy</h2><p>Reading PVE's backup jobs\u2026</p></section>`;let e=this.plans.filter(n=>!n.inSync&&!n.blocked),s=this.applyResult?`<div class="pvb-toast ${this.applyResult.ok?"":"pvb-problem"}" data-apply-result>${r(this.applyResult.text)}</div>`:"",t=this.plans.some(n=>n.blocked);return`<section class="pvb-card" data-section="policy"><h2>Policy plan</h2>${s}
${this.plans.map(n=>ee(n)).join("")}
<div class="pvb-actions">
<button class="pvb-btn primary" data-action="apply"${e.length===0||this.applying?" disabled":""}>Apply\u2026</button>
<button class="pvb-btn" data-action="reload-plan">Re-read PVE</button>
<span class="pvb-muted">${e.length===0?t?"Fix the errors first: nothing can be applied.":"PVE's jobs match the policy.":"Apply asks for confirmation before anything changes."}</span>
</div></section>`}doctorHtml(){return this.doctorError?`<section class="pvb-card" data-section="doctor"><p class="pvb-problem">${r(this.doctorError)}</p></section>`:this.doctor?this.doctor.map(e=>{if(e.error!==null)return`<section class="pvb-card" data-section="doctor"><h2>${r(e.cluster)}</h2><p class="pvb-problem">${r(e.error)}</p></section>`;let s=e.capabilities.map(i=>`<tr><td>${r(i.label)}</td><td><span class="pvb-chip ${i.ok?"ok":i.needed?"failed":""}">${i.ok?"ok":i.needed?"missing":"not needed"}</span></td><td class="pvb-muted">${i.ok?"":r(i.missing.join(", "))}</td></tr>`).join(""),t=e.fix,n=t.length?`<p>To give the token exactly what PVE Backup needs, run on a PVE node:</p>
${t.map(i=>`<div class="pvb-pveum"><pre class="pvb-code" data-pveum>${r(i)}</pre><button class="pvb-btn" data-action="copy" data-text="${r(i)}">Copy</button></div>`).join("")}
<div class="pvb-actions"><button class="pvb-btn" data-action="copy" data-text="${r(t.join(`
`))}">Copy all</button></div>`:"<p>The token can do everything PVE Backup needs.</p>",d=e.mailtoJobs.map(i=>`<p class="pvb-warn-text">Job ${r(i)} mails its results past the notification system: PVE Backup sees them only by polling. Set its notification mode to notification-system.</p>`).join("");return`<section class="pvb-card" data-section="doctor"><h2>Token ${r(e.token)} on ${r(e.cluster)}</h2>
<p class="pvb-muted">Backup storage ${r(e.storage)}</p>
<table class="pvb-table"><tbody>${s}</tbody></table>${n}${d}</section>`}).join(""):'<section class="pvb-card" data-section="doctor"><p>Asking PVE what the token may do\u2026</p></section>'}renderModal(e){if(e.kind==="log"){let t=e.error?`<p class="pvb-problem">${r(e.error)}</p>`:e.log?`<pre class="pvb-code" data-log>${r(e.log.lines.join(`
`))}</pre>${e.log.truncated?'<p class="pvb-muted">Only the first lines are shown.</p>':""}`:"<p>Reading the log\u2026</p>";return`<div class="pvb-modal" role="dialog" aria-modal="true" aria-label="${r(e.title)}"><div><h3>${r(e.title)}</h3>${t}<div class="pvb-actions"><button class="pvb-btn" data-action="close">Close</button></div></div></div>`}let s=e.plans.flatMap(t=>[...t.plan.create.map(n=>`${t.cluster}: create ${n.id}`),...t.plan.update.map(n=>`${t.cluster}: update ${n.id} (${n.changes.map(d=>d.field).join(", ")})`),...t.plan.enable.map(n=>`${t.cluster}: enable ${n}`),...t.plan.disable.map(n=>`${t.cluster}: disable ${n}`)]);return`<div class="pvb-modal" role="dialog" aria-modal="true" aria-label="Confirm apply" data-confirm><div>
<h3>Apply ${s.length} change(s) to PVE's backup jobs?</h3>
<ul>${s.map(t=>`<li>${r(t)}</li>`).join("")}</ul>
<p class="pvb-muted">Only jobs PVE Backup owns (pve-backup-\u2026) are changed. If PVE's jobs changed since this plan was read, nothing is applied.</p>
<div class="pvb-actions"><button class="pvb-btn primary" data-action="confirm-apply"${this.applying?" disabled":""}>${this.applying?"Applying\u2026":"Apply"}</button>
<button class="pvb-btn" data-action="cancel"${this.applying?" disabled":""}>Cancel</button></div></div></div>`}},S=o=>o===null?"(unset)":String(o);function ee(o){let e=[];for(let t of o.plan.create){e.push(`<div class="add job" data-step="create" data-job="${r(t.id)}">+ create ${r(t.id)}</div>`);for(let[n,d]of Object.entries(t.fields))e.push(`<div class="add">+   ${r(n)}: ${r(S(d))}</div>`)}for(let t of o.plan.update){e.push(`<div class="chg job" data-step="update" data-job="${r(t.id)}">~ update ${r(t.id)}</div>`);for(let n of t.changes)e.push(`<div class="del">-   ${r(n.field)}: ${r(S(n.from))}</div>`),e.push(`<div class="add">+   ${r(n.field)}: ${r(S(n.to))}</div>`)}for(let t of o.plan.enable)e.push(`<div class="add job" data-step="enable" data-job="${r(t)}">&gt; enable ${r(t)}</div>`);for(let t of o.plan.disable)e.push(`<div class="del job" data-step="disable" data-job="${r(t)}">&lt; disable ${r(t)}</div>`);o.inSync&&e.push('<div class="pvb-muted">(jobs match the policy)</div>');let s=o.plan.findings.map(t=>`<li class="${t.severity==="error"?"pvb-problem":t.severity==="warning"?"pvb-warn-text":"pvb-muted"}">${r(t.severity)} ${r(t.code)}: ${r(t.message)}</li>`).join("");return`<div data-plan-cluster="${r(o.cluster)}"><p>Cluster <strong>${r(o.cluster)}</strong>, backups to <strong>${r(o.storage)}</strong></p>
<div class="pvb-diff">${e.join("")}</div>${s?`<p>Findings</p><ul>${s}</ul>`:""}</div>`}function te(o){let e=o.lastIndexOf("/");return[o.slice(0,e),Number(o.slice(e+1))]}async function ne(o,e){try{await navigator.clipboard.writeText(o),e.textContent="Copied"}catch{let s=e.parentElement?.querySelector("pre");s&&getSelection()?.selectAllChildren(s),e.textContent="Press Ctrl+C"}setTimeout(()=>{e.textContent=e.dataset.text?.includes(`
`)?"Copy all":"Copy"},2e3)}customElements.get("pve-backup-panel")||customElements.define("pve-backup-panel",A);
