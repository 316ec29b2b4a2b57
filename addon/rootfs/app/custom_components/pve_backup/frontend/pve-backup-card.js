var G=globalThis,j=G.ShadowRoot&&(G.ShadyCSS===void 0||G.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,ce=Symbol(),Ce=new WeakMap,z=class{constructor(e,t,s){if(this._$cssResult$=!0,s!==ce)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(j&&e===void 0){let s=t!==void 0&&t.length===1;s&&(e=Ce.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),s&&Ce.set(t,e))}return e}toString(){return this.cssText}},Re=i=>new z(typeof i=="string"?i:i+"",void 0,ce),ue=(i,...e)=>{let t=i.length===1?i[0]:e.reduce((s,n,r)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(n)+i[r+1],i[0]);return new z(t,i,ce)},Me=(i,e)=>{if(j)i.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let s=document.createElement("style"),n=G.litNonce;n!==void 0&&s.setAttribute("nonce",n),s.textContent=t.cssText,i.appendChild(s)}},de=j?i=>i:i=>i instanceof CSSStyleSheet?(e=>{let t="";for(let s of e.cssRules)t+=s.cssText;return Re(t)})(i):i;var{is:mt,defineProperty:ft,getOwnPropertyDescriptor:gt,getOwnPropertyNames:yt,getOwnPropertySymbols:_t,getPrototypeOf:bt}=Object,F=globalThis,Te=F.trustedTypes,vt=Te?Te.emptyScript:"",$t=F.reactiveElementPolyfillSupport,N=(i,e)=>i,pe={toAttribute(i,e){switch(e){case Boolean:i=i?vt:null;break;case Object:case Array:i=i==null?i:JSON.stringify(i)}return i},fromAttribute(i,e){let t=i;switch(e){case Boolean:t=i!==null;break;case Number:t=i===null?null:Number(i);break;case Object:case Array:try{t=JSON.parse(i)}catch{t=null}}return t}},He=(i,e)=>!mt(i,e),Pe={attribute:!0,type:String,converter:pe,reflect:!1,useDefault:!1,hasChanged:He};Symbol.metadata??=Symbol("metadata"),F.litPropertyMetadata??=new WeakMap;var b=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=Pe){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let s=Symbol(),n=this.getPropertyDescriptor(e,s,t);n!==void 0&&ft(this.prototype,e,n)}}static getPropertyDescriptor(e,t,s){let{get:n,set:r}=gt(this.prototype,e)??{get(){return this[t]},set(o){this[t]=o}};return{get:n,set(o){let l=n?.call(this);r?.call(this,o),this.requestUpdate(e,l,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??Pe}static _$Ei(){if(this.hasOwnProperty(N("elementProperties")))return;let e=bt(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(N("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(N("properties"))){let t=this.properties,s=[...yt(t),..._t(t)];for(let n of s)this.createProperty(n,t[n])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[s,n]of t)this.elementProperties.set(s,n)}this._$Eh=new Map;for(let[t,s]of this.elementProperties){let n=this._$Eu(t,s);n!==void 0&&this._$Eh.set(n,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let s=new Set(e.flat(1/0).reverse());for(let n of s)t.unshift(de(n))}else e!==void 0&&t.push(de(e));return t}static _$Eu(e,t){let s=t.attribute;return s===!1?void 0:typeof s=="string"?s:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let s of t.keys())this.hasOwnProperty(s)&&(e.set(s,this[s]),delete this[s]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Me(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,s){this._$AK(e,s)}_$ET(e,t){let s=this.constructor.elementProperties.get(e),n=this.constructor._$Eu(e,s);if(n!==void 0&&s.reflect===!0){let r=(s.converter?.toAttribute!==void 0?s.converter:pe).toAttribute(t,s.type);this._$Em=e,r==null?this.removeAttribute(n):this.setAttribute(n,r),this._$Em=null}}_$AK(e,t){let s=this.constructor,n=s._$Eh.get(e);if(n!==void 0&&this._$Em!==n){let r=s.getPropertyOptions(n),o=typeof r.converter=="function"?{fromAttribute:r.converter}:r.converter?.fromAttribute!==void 0?r.converter:pe;this._$Em=n;let l=o.fromAttribute(t,r.type);this[n]=l??this._$Ej?.get(n)??l,this._$Em=null}}requestUpdate(e,t,s,n=!1,r){if(e!==void 0){let o=this.constructor;if(n===!1&&(r=this[e]),s??=o.getPropertyOptions(e),!((s.hasChanged??He)(r,t)||s.useDefault&&s.reflect&&r===this._$Ej?.get(e)&&!this.hasAttribute(o._$Eu(e,s))))return;this.C(e,t,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:s,reflect:n,wrapped:r},o){s&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,o??t??this[e]),r!==!0||o!==void 0)||(this._$AL.has(e)||(this.hasUpdated||s||(t=void 0),this._$AL.set(e,t)),n===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[n,r]of this._$Ep)this[n]=r;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[n,r]of s){let{wrapped:o}=r,l=this[n];o!==!0||this._$AL.has(n)||l===void 0||this.C(n,void 0,r,l)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(t)):this._$EM()}catch(s){throw e=!1,this._$EM(),s}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};b.elementStyles=[],b.shadowRootOptions={mode:"open"},b[N("elementProperties")]=new Map,b[N("finalized")]=new Map,$t?.({ReactiveElement:b}),(F.reactiveElementVersions??=[]).push("2.1.2");var me=globalThis,Be=i=>i,K=me.trustedTypes,ze=K?K.createPolicy("lit-html",{createHTML:i=>i}):void 0,fe="$lit$",v=`lit$${Math.random().toFixed(9).slice(2)}$`,ge="?"+v,xt=`<${ge}>`,A=document,I=()=>A.createComment(""),U=i=>i===null||typeof i!="object"&&typeof i!="function",ye=Array.isArray,De=i=>ye(i)||typeof i?.[Symbol.iterator]=="function",he=`[ 	
\f\r]`,O=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Ne=/-->/g,Oe=/>/g,k=RegExp(`>|${he}(?:([^\\s"'>=/]+)(${he}*=${he}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Ie=/'/g,Ue=/"/g,Ge=/^(?:script|style|textarea|title)$/i,_e=i=>(e,...t)=>({_$litType$:i,strings:e,values:t}),f=_e(1),be=_e(2),Dt=_e(3),$=Symbol.for("lit-noChange"),m=Symbol.for("lit-nothing"),Le=new WeakMap,w=A.createTreeWalker(A,129);function je(i,e){if(!ye(i)||!i.hasOwnProperty("raw"))throw Error("invalid template strings array");return ze!==void 0?ze.createHTML(e):e}var Fe=(i,e)=>{let t=i.length-1,s=[],n,r=e===2?"<svg>":e===3?"<math>":"",o=O;for(let l=0;l<t;l++){let a=i[l],u,d,c=-1,h=0;for(;h<a.length&&(o.lastIndex=h,d=o.exec(a),d!==null);)h=o.lastIndex,o===O?d[1]==="!--"?o=Ne:d[1]!==void 0?o=Oe:d[2]!==void 0?(Ge.test(d[2])&&(n=RegExp("</"+d[2],"g")),o=k):d[3]!==void 0&&(o=k):o===k?d[0]===">"?(o=n??O,c=-1):d[1]===void 0?c=-2:(c=o.lastIndex-d[2].length,u=d[1],o=d[3]===void 0?k:d[3]==='"'?Ue:Ie):o===Ue||o===Ie?o=k:o===Ne||o===Oe?o=O:(o=k,n=void 0);let p=o===k&&i[l+1].startsWith("/>")?" ":"";r+=o===O?a+xt:c>=0?(s.push(u),a.slice(0,c)+fe+a.slice(c)+v+p):a+v+(c===-2?l:p)}return[je(i,r+(i[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),s]},L=class i{constructor({strings:e,_$litType$:t},s){let n;this.parts=[];let r=0,o=0,l=e.length-1,a=this.parts,[u,d]=Fe(e,t);if(this.el=i.createElement(u,s),w.currentNode=this.el.content,t===2||t===3){let c=this.el.content.firstChild;c.replaceWith(...c.childNodes)}for(;(n=w.nextNode())!==null&&a.length<l;){if(n.nodeType===1){if(n.hasAttributes())for(let c of n.getAttributeNames())if(c.endsWith(fe)){let h=d[o++],p=n.getAttribute(c).split(v),g=/([.?@])?(.*)/.exec(h);a.push({type:1,index:r,name:g[2],strings:p,ctor:g[1]==="."?W:g[1]==="?"?q:g[1]==="@"?Y:E}),n.removeAttribute(c)}else c.startsWith(v)&&(a.push({type:6,index:r}),n.removeAttribute(c));if(Ge.test(n.tagName)){let c=n.textContent.split(v),h=c.length-1;if(h>0){n.textContent=K?K.emptyScript:"";for(let p=0;p<h;p++)n.append(c[p],I()),w.nextNode(),a.push({type:2,index:++r});n.append(c[h],I())}}}else if(n.nodeType===8)if(n.data===ge)a.push({type:2,index:r});else{let c=-1;for(;(c=n.data.indexOf(v,c+1))!==-1;)a.push({type:7,index:r}),c+=v.length-1}r++}}static createElement(e,t){let s=A.createElement("template");return s.innerHTML=e,s}};function S(i,e,t=i,s){if(e===$)return e;let n=s!==void 0?t._$Co?.[s]:t._$Cl,r=U(e)?void 0:e._$litDirective$;return n?.constructor!==r&&(n?._$AO?.(!1),r===void 0?n=void 0:(n=new r(i),n._$AT(i,t,s)),s!==void 0?(t._$Co??=[])[s]=n:t._$Cl=n),n!==void 0&&(e=S(i,n._$AS(i,e.values),n,s)),e}var V=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:s}=this._$AD,n=(e?.creationScope??A).importNode(t,!0);w.currentNode=n;let r=w.nextNode(),o=0,l=0,a=s[0];for(;a!==void 0;){if(o===a.index){let u;a.type===2?u=new R(r,r.nextSibling,this,e):a.type===1?u=new a.ctor(r,a.name,a.strings,this,e):a.type===6&&(u=new J(r,this,e)),this._$AV.push(u),a=s[++l]}o!==a?.index&&(r=w.nextNode(),o++)}return w.currentNode=A,n}p(e){let t=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(e,s,t),t+=s.strings.length-2):s._$AI(e[t])),t++}},R=class i{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,s,n){this.type=2,this._$AH=m,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=s,this.options=n,this._$Cv=n?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=S(this,e,t),U(e)?e===m||e==null||e===""?(this._$AH!==m&&this._$AR(),this._$AH=m):e!==this._$AH&&e!==$&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):De(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==m&&U(this._$AH)?this._$AA.nextSibling.data=e:this.T(A.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:s}=e,n=typeof s=="number"?this._$AC(e):(s.el===void 0&&(s.el=L.createElement(je(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===n)this._$AH.p(t);else{let r=new V(n,this),o=r.u(this.options);r.p(t),this.T(o),this._$AH=r}}_$AC(e){let t=Le.get(e.strings);return t===void 0&&Le.set(e.strings,t=new L(e)),t}k(e){ye(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,s,n=0;for(let r of e)n===t.length?t.push(s=new i(this.O(I()),this.O(I()),this,this.options)):s=t[n],s._$AI(r),n++;n<t.length&&(this._$AR(s&&s._$AB.nextSibling,n),t.length=n)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let s=Be(e).nextSibling;Be(e).remove(),e=s}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},E=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,s,n,r){this.type=1,this._$AH=m,this._$AN=void 0,this.element=e,this.name=t,this._$AM=n,this.options=r,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=m}_$AI(e,t=this,s,n){let r=this.strings,o=!1;if(r===void 0)e=S(this,e,t,0),o=!U(e)||e!==this._$AH&&e!==$,o&&(this._$AH=e);else{let l=e,a,u;for(e=r[0],a=0;a<r.length-1;a++)u=S(this,l[s+a],t,a),u===$&&(u=this._$AH[a]),o||=!U(u)||u!==this._$AH[a],u===m?e=m:e!==m&&(e+=(u??"")+r[a+1]),this._$AH[a]=u}o&&!n&&this.j(e)}j(e){e===m?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},W=class extends E{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===m?void 0:e}},q=class extends E{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==m)}},Y=class extends E{constructor(e,t,s,n,r){super(e,t,s,n,r),this.type=5}_$AI(e,t=this){if((e=S(this,e,t,0)??m)===$)return;let s=this._$AH,n=e===m&&s!==m||e.capture!==s.capture||e.once!==s.once||e.passive!==s.passive,r=e!==m&&(s===m||n);n&&this.element.removeEventListener(this.name,this,s),r&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},J=class{constructor(e,t,s){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(e){S(this,e)}},Ke={M:fe,P:v,A:ge,C:1,L:Fe,R:V,D:De,V:S,I:R,H:E,N:q,U:Y,B:W,F:J},kt=me.litHtmlPolyfillSupport;kt?.(L,R),(me.litHtmlVersions??=[]).push("3.3.3");var Ve=(i,e,t)=>{let s=t?.renderBefore??e,n=s._$litPart$;if(n===void 0){let r=t?.renderBefore??null;s._$litPart$=n=new R(e.insertBefore(I(),r),r,void 0,t??{})}return n._$AI(i),n};var ve=globalThis,y=class extends b{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Ve(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return $}};y._$litElement$=!0,y.finalized=!0,ve.litElementHydrateSupport?.({LitElement:y});var wt=ve.litElementPolyfillSupport;wt?.({LitElement:y});(ve.litElementVersions??=[]).push("4.2.2");var M=["vmid","tier","status","age","size","actions"],We=["all","problems"],qe=["none","tier","status"];function $e(i,e,t,s){if(i==null||i==="")return s;if(typeof i=="string"&&e.includes(i))return i;throw new Error(`pve-backup-card: ${t} must be one of ${e.join(", ")}; got ${JSON.stringify(i)}.`)}function T(i){if(typeof i!="object"||i===null||Array.isArray(i))throw new Error("pve-backup-card: the card's configuration must be a mapping of options.");let e=i;for(let s of["title","cluster"])if(e[s]!==void 0&&e[s]!==null&&typeof e[s]!="string")throw new Error(`pve-backup-card: ${s} must be text; got ${JSON.stringify(e[s])}.`);if(e.compact!==void 0&&typeof e.compact!="boolean")throw new Error(`pve-backup-card: compact must be true or false; got ${JSON.stringify(e.compact)}.`);let t=[...M];if(e.columns!==void 0&&e.columns!==null){if(!Array.isArray(e.columns))throw new Error(`pve-backup-card: columns must be a list of ${M.join(", ")}.`);t=e.columns.map(s=>$e(s,M,"each column","status"))}return{type:typeof e.type=="string"?e.type:"custom:pve-backup-card",...typeof e.title=="string"&&e.title?{title:e.title}:{},...typeof e.cluster=="string"&&e.cluster?{cluster:e.cluster}:{},filter:$e(e.filter,We,"filter","all"),group_by:$e(e.group_by,qe,"group_by","none"),columns:t,compact:e.compact===!0}}function Ye(){let i=(e,t)=>e.map(s=>({value:s,label:t[s]??s}));return{schema:[{name:"title",selector:{text:{}}},{name:"cluster",selector:{device:{filter:{integration:"pve_backup",model:"Cluster"}}}},{type:"grid",name:"",schema:[{name:"filter",selector:{select:{mode:"dropdown",options:i(We,{all:"All guests",problems:"Only problems"})}}},{name:"group_by",selector:{select:{mode:"dropdown",options:i(qe,{none:"No grouping",tier:"Tier",status:"Status"})}}}]},{name:"columns",selector:{select:{multiple:!0,mode:"list",options:i(M,{vmid:"VM/CT id",tier:"Tier",status:"Status",age:"Age of last backup",size:"Backup size",actions:"Back up now button"})}}},{name:"compact",selector:{boolean:{}}}],assertConfig:e=>{T(e)},computeLabel:e=>({title:"Title",cluster:"Cluster (all when empty)",filter:"Show",group_by:"Group by",columns:"Columns",compact:"Compact rows"})[e.name]}}var Z=class extends y{static properties={hass:{attribute:!1},_config:{state:!0}};setConfig(e){T(e),this._config=e}render(){if(!this._config)return f``;let e=Ye(),t=T(this._config);return f`<ha-form
      .hass=${this.hass}
      .data=${t}
      .schema=${e.schema}
      .computeLabel=${e.computeLabel}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(e){e.stopPropagation();let t={...this._config,...e.detail.value};for(let[s,n]of Object.entries(t))(n===void 0||n==="")&&delete t[s];this._config=t,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:t},bubbles:!0,composed:!0}))}};var Je={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Ze=i=>(...e)=>({_$litDirective$:i,values:e}),Q=class{constructor(e){}get _$AU(){return this._$AM._$AU}_$AT(e,t,s){this._$Ct=e,this._$AM=t,this._$Ci=s}_$AS(e,t){return this.update(e,t)}update(e,t){return this.render(...t)}};var{I:At}=Ke,Qe=i=>i;var Xe=()=>document.createComment(""),P=(i,e,t)=>{let s=i._$AA.parentNode,n=e===void 0?i._$AB:e._$AA;if(t===void 0){let r=s.insertBefore(Xe(),n),o=s.insertBefore(Xe(),n);t=new At(r,o,i,i.options)}else{let r=t._$AB.nextSibling,o=t._$AM,l=o!==i;if(l){let a;t._$AQ?.(i),t._$AM=i,t._$AP!==void 0&&(a=i._$AU)!==o._$AU&&t._$AP(a)}if(r!==n||l){let a=t._$AA;for(;a!==r;){let u=Qe(a).nextSibling;Qe(s).insertBefore(a,n),a=u}}}return t},x=(i,e,t=i)=>(i._$AI(e,t),i),St={},et=(i,e=St)=>i._$AH=e,tt=i=>i._$AH,X=i=>{i._$AR(),i._$AA.remove()};var st=(i,e,t)=>{let s=new Map;for(let n=e;n<=t;n++)s.set(i[n],n);return s},nt=Ze(class extends Q{constructor(i){if(super(i),i.type!==Je.CHILD)throw Error("repeat() can only be used in text expressions")}dt(i,e,t){let s;t===void 0?t=e:e!==void 0&&(s=e);let n=[],r=[],o=0;for(let l of i)n[o]=s?s(l,o):o,r[o]=t(l,o),o++;return{values:r,keys:n}}render(i,e,t){return this.dt(i,e,t).values}update(i,[e,t,s]){let n=tt(i),{values:r,keys:o}=this.dt(e,t,s);if(!Array.isArray(n))return this.ut=o,r;let l=this.ut??=[],a=[],u,d,c=0,h=n.length-1,p=0,g=r.length-1;for(;c<=h&&p<=g;)if(n[c]===null)c++;else if(n[h]===null)h--;else if(l[c]===o[p])a[p]=x(n[c],r[p]),c++,p++;else if(l[h]===o[g])a[g]=x(n[h],r[g]),h--,g--;else if(l[c]===o[g])a[g]=x(n[c],r[g]),P(i,a[g+1],n[c]),c++,g--;else if(l[h]===o[p])a[p]=x(n[h],r[p]),P(i,n[c],n[h]),h--,p++;else if(u===void 0&&(u=st(o,p,g),d=st(l,c,h)),u.has(l[c]))if(u.has(l[h])){let _=d.get(o[p]),le=_!==void 0?n[_]:null;if(le===null){let Ee=P(i,n[c]);x(Ee,r[p]),a[p]=Ee}else a[p]=x(le,r[p]),P(i,n[c],le),n[_]=null;p++}else X(n[h]),h--;else X(n[c]),c++;for(;p<=g;){let _=P(i,a[g+1]);x(_,r[p]),a[p++]=_}for(;c<=h;){let _=n[c++];_!==null&&X(_)}return this.ut=o,et(i,a),$}});var C="pve_backup",ee=["failed","late","never","not_in_job","unknown","running","ok"],Et=["last_backup","backup_status","backup_problem","backup_size","backup_now","tier"],Ct=i=>i!=null&&Et.includes(i),ne=new Set(["unknown","unavailable",""]);function xe(i){if(!i||ne.has(i.state))return null;let e=Number(i.state);return Number.isFinite(e)?e:null}function te(i){if(!i||ne.has(i.state))return null;let e=Date.parse(i.state);return Number.isNaN(e)?null:e}function Rt(i){let e=i?.state;return ee.includes(e??"")?e:"unknown"}function ke(i){return i?.identifiers?.find(([e])=>e===C)?.[1]??null}function Mt(i){let e=i?.name_by_user??i?.name??"",t=/^(.*) \((VM|CT) (\d+)\)$/.exec(i?.name??""),s=/_(\d+)$/.exec(ke(i)??"")?.[1],n=s?Number(s):t?Number(t[3]):null;return{name:(i?.name_by_user??(t?t[1]:e))||(n===null?"?":String(n)),vmid:n,kind:t?t[2]:null}}function Ae(i){let e=new Map,t=new Map;for(let o of Object.values(i.entities??{}))if(!(!o||o.platform!==C||!o.device_id)){if(Ct(o.translation_key)){let l=e.get(o.device_id)??{};l[o.translation_key]=o.entity_id,e.set(o.device_id,l)}else if(!o.translation_key){let l=t.get(o.device_id)??[];l.push(o.entity_id),t.set(o.device_id,l)}}let s=[],n=new Set;for(let[o,l]of e){let a=i.devices?.[o],u=g=>l[g]?i.states[l[g]]:void 0,d=Rt(u("backup_status")),c=u("tier")?.state,h=a?.via_device_id??null;h&&n.add(h);let p=u("backup_status")?.attributes.reason;s.push({deviceId:o,clusterDeviceId:h,...Mt(a),status:d,problem:u("backup_problem")?.state==="on",reason:typeof p=="string"&&p?p:null,tier:c&&!ne.has(c)&&c!=="none"?c:null,lastBackupMs:te(u("last_backup")),sizeBytes:xe(u("backup_size")),entities:l})}for(let o of t.keys())e.has(o)||n.add(o);let r=[...n].map(o=>Tt(i,o,t.get(o)??[]));return{guests:s,clusters:r}}function Tt(i,e,t){let s=i.devices?.[e],n={};for(let l of t){let a=i.states[l];if(!l.startsWith("sensor.")||!a)continue;let u=a.attributes.device_class;u==="timestamp"?n.nextRun=l:u==="data_size"?n.storageFree=l:Array.isArray(a.attributes.problems)&&(n.problems=l)}let r=n.problems?i.states[n.problems]:void 0,o=r?.attributes.ok;return{deviceId:e,key:ke(s),name:s?.name_by_user??s?.name??ke(s)??e,ok:typeof o=="number"&&!ne.has(r?.state??"")?o:null,problems:xe(r),nextRunMs:te(n.nextRun?i.states[n.nextRun]:void 0),storageFreeBytes:xe(n.storageFree?i.states[n.storageFree]:void 0),entities:n}}function ot(i,e){return i.deviceId===e||i.key===e||i.name===e}var we=i=>i.problem?0:i.status==="unknown"?1:i.status==="running"?2:3,Pt=(i,e)=>we(i)-we(e)||ee.indexOf(i.status)-ee.indexOf(e.status)||lt().compare(i.name,e.name)||(i.vmid??0)-(e.vmid??0);function rt(i,e,t){let s=i.filter(o=>!t||o.problem||o.status==="unknown").sort(Pt);if(e==="none")return s.length?[{key:"all",label:null,guests:s}]:[];let n=new Map;for(let o of s){let l=e==="tier"?o.tier??"":o.status;n.set(l,[...n.get(l)??[],o])}let r=(o,l)=>e==="status"?ee.indexOf(o):Math.min(...l.map(we))*1e3+(o===""?999:0);return[...n.entries()].sort(([o,l],[a,u])=>r(o,l)-r(a,u)||lt().compare(o,a)).map(([o,l])=>({key:o,label:o,guests:l}))}function at(i){let e=s=>s.some(n=>n===null)||!s.length?null:s.reduce((n,r)=>(n??0)+(r??0),0),t=s=>{let n=s.filter(r=>r!==null);return n.length?Math.min(...n):null};return{ok:e(i.map(s=>s.ok)),problems:e(i.map(s=>s.problems)),nextRunMs:t(i.map(s=>s.nextRunMs)),storageFreeBytes:t(i.map(s=>s.storageFreeBytes))}}var it=new Map;function Se(i,e){let t=it.get(i);return t||(t=e(),it.set(i,t)),t}var lt=()=>Se("collator",()=>new Intl.Collator(void 0,{numeric:!0}));function H(i,e="en"){if(i===null)return"\u2014";let t=["B","kB","MB","GB","TB","PB"],s=i,n=0;for(;Math.abs(s)>=1e3&&n<t.length-1;)s/=1e3,n++;let r=n===0||s>=100?0:1;return`${Se(`n:${e}:${r}`,()=>new Intl.NumberFormat(e,{maximumFractionDigits:r})).format(s)} ${t[n]}`}function D(i,e,t="en"){if(i===null)return"\u2014";let s=(i-e)/1e3,n=[["second",60],["minute",60],["hour",24],["day",30],["month",12],["year",Number.POSITIVE_INFINITY]],r=s;for(let[o,l]of n){if(Math.abs(r)<l)return Se(`r:${t}`,()=>new Intl.RelativeTimeFormat(t,{numeric:"auto"})).format(Math.round(r),o);r/=l}return"\u2014"}var se={ha_backup_last:"sensor",ha_backup_next:"sensor",ha_backup_verification:"sensor",ha_backup_problem:"binary_sensor"};function Ht(i){let e={};for(let t of Object.values(i.entities??{}))t?.platform===C&&t.translation_key&&t.translation_key in se&&(e[t.translation_key]=t.entity_id);for(let[t,s]of Object.entries(se)){let n=`${s}.${C}_${t}`;!e[t]&&i.states[n]&&(e[t]=n)}return e}function ct(i,e=Ht(i)){let t=c=>e[c]?i.states[e[c]]:void 0;if(!Object.keys(e).some(c=>t(c)))return null;let s=t("ha_backup_last"),n=t("ha_backup_verification"),r=n?.state==="ok"||n?.state==="failed"?n.state:"unknown",o=t("ha_backup_problem")?.state,l=te(s),a=s?.attributes.size_bytes,u=s?.attributes.name,d=n?.attributes.message;return{status:o==="on"||r==="failed"?"failed":l===null?o==="off"?"never":"unknown":"ok",lastMs:l,nextMs:te(t("ha_backup_next")),sizeBytes:typeof a=="number"&&Number.isFinite(a)?a:null,name:typeof u=="string"&&u?u:null,verification:r,message:typeof d=="string"&&d?d:null,entities:e}}function ut(i,e){let t=i?.[e];if(!Array.isArray(t))return[];let s=[];for(let n of t){let r=n?.s,o=n.lu??n.lc,l=typeof r=="string"&&r.trim()!==""?Number(r):Number.NaN;!Number.isFinite(l)||typeof o!="number"||s.at(-1)?.bytes!==l&&s.push({ms:o*1e3,bytes:l})}return s.sort((n,r)=>n.ms-r.ms)}function dt(i,e,t){if(i.length===0)return"";let s=i.map(a=>a.bytes),n=Math.min(...s),r=Math.max(...s),o=a=>i.length===1?e/2:1+a*(e-2)/(i.length-1),l=a=>r===n?t/2:1+(r-a)*(t-2)/(r-n);return i.map((a,u)=>`${o(u).toFixed(1)},${l(a.bytes).toFixed(1)}`).join(" ")}var pt=ue`
  :host {
    display: block;
    --pvb-ok: var(--success-color, #43a047);
    --pvb-warn: var(--warning-color, #ffa600);
    --pvb-error: var(--error-color, #db4437);
    --pvb-info: var(--info-color, #039be5);
    --pvb-muted: var(--secondary-text-color, #727272);
  }
  ha-card {
    overflow: hidden;
    height: 100%;
  }
  .header {
    display: flex;
    flex-wrap: wrap;
    align-items: baseline;
    justify-content: space-between;
    gap: 4px 12px;
    padding: 12px 16px 8px;
  }
  .title {
    font-size: 1.25em;
    font-weight: 500;
    color: var(--primary-text-color);
    margin: 0;
  }
  .summary {
    display: flex;
    flex-wrap: wrap;
    gap: 6px;
    padding: 0 16px 8px;
  }
  .chip {
    display: inline-flex;
    align-items: center;
    gap: 4px;
    border: 1px solid var(--divider-color);
    border-radius: 16px;
    padding: 2px 10px;
    font: inherit;
    font-size: 0.875em;
    color: var(--primary-text-color);
    background: none;
    cursor: pointer;
    min-height: 28px;
  }
  .chip ha-icon {
    --mdc-icon-size: 16px;
  }
  .chip.bad {
    border-color: var(--pvb-error);
  }
  .chip.bad ha-icon {
    color: var(--pvb-error);
  }
  .chip.good ha-icon {
    color: var(--pvb-ok);
  }
  .group {
    padding: 8px 16px 2px;
    font-size: 0.8em;
    font-weight: 500;
    text-transform: uppercase;
    letter-spacing: 0.05em;
    color: var(--pvb-muted);
    border-top: 1px solid var(--divider-color);
  }
  ul {
    list-style: none;
    margin: 0;
    padding: 0 0 8px;
  }
  li.row,
  li.ha-row {
    position: relative;
    display: grid;
    grid-template-columns: auto minmax(0, 1fr) auto auto auto;
    align-items: center;
    gap: 0 10px;
    padding: 6px 8px 6px 16px;
    min-height: 48px;
    box-sizing: border-box;
  }
  li.ha-row {
    grid-template-columns: auto minmax(0, 1fr) auto;
  }
  ul.ha-backup {
    padding: 0;
    border-bottom: 1px solid var(--divider-color);
  }
  :host([compact]) li.row {
    min-height: 36px;
    padding-top: 2px;
    padding-bottom: 2px;
  }
  .status-icon {
    color: var(--pvb-color);
    --mdc-icon-size: 22px;
  }
  .main {
    all: unset;
    min-width: 0;
    cursor: pointer;
    border-radius: 4px;
    padding: 2px 4px;
    margin: -2px -4px;
  }
  .main:focus-visible,
  .expand:focus-visible,
  .chip:focus-visible,
  .act:focus-visible,
  dialog button:focus-visible {
    outline: 2px solid var(--primary-color);
    outline-offset: 2px;
  }
  .name {
    display: block;
    color: var(--primary-text-color);
    font-weight: 500;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .sub {
    display: block;
    font-size: 0.85em;
    color: var(--pvb-muted);
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .status-text {
    color: var(--pvb-color);
    font-weight: 500;
  }
  :host([compact]) .reason {
    display: none;
  }
  .meta {
    text-align: end;
    font-size: 0.85em;
    color: var(--secondary-text-color);
    white-space: nowrap;
  }
  .meta .age {
    display: block;
    color: var(--primary-text-color);
  }
  .act {
    font: inherit;
    font-size: 0.85em;
    color: var(--primary-color);
    background: none;
    border: 1px solid var(--divider-color);
    border-radius: 18px;
    padding: 0 10px;
    min-height: 36px;
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    gap: 4px;
    white-space: nowrap;
  }
  .act[disabled] {
    color: var(--disabled-text-color);
    cursor: default;
  }
  .act ha-icon {
    --mdc-icon-size: 18px;
  }
  .expand {
    all: unset;
    cursor: pointer;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    width: 28px;
    height: 36px;
    border-radius: 4px;
    color: var(--secondary-text-color);
  }
  .expand ha-icon {
    --mdc-icon-size: 20px;
  }
  .detail {
    grid-column: 1 / -1;
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 12px;
    padding: 6px 0 4px 32px;
    font-size: 0.85em;
    color: var(--secondary-text-color);
  }
  .spark polyline {
    fill: none;
    stroke: var(--primary-color);
    stroke-width: 1.5;
    stroke-linejoin: round;
    stroke-linecap: round;
  }
  .spark circle {
    fill: var(--primary-color);
  }
  .bar {
    position: absolute;
    left: 16px;
    right: 8px;
    bottom: 2px;
    height: 3px;
    overflow: hidden;
    border-radius: 2px;
    background: color-mix(in srgb, var(--pvb-info) 25%, transparent);
  }
  .bar::after {
    content: "";
    position: absolute;
    top: 0;
    bottom: 0;
    width: 35%;
    background: var(--pvb-info);
    animation: pvb-slide 1.4s ease-in-out infinite;
  }
  @keyframes pvb-slide {
    from {
      left: -35%;
    }
    to {
      left: 100%;
    }
  }
  @media (prefers-reduced-motion: reduce) {
    .bar::after {
      animation: none;
      width: 100%;
      opacity: 0.6;
    }
  }
  .empty {
    padding: 8px 16px 16px;
    color: var(--secondary-text-color);
  }
  dialog {
    border: none;
    border-radius: var(--ha-card-border-radius, 12px);
    background: var(--card-background-color, #fff);
    color: var(--primary-text-color);
    padding: 20px 24px 12px;
    max-width: min(90vw, 400px);
    box-shadow: 0 8px 24px rgba(0, 0, 0, 0.3);
  }
  dialog::backdrop {
    background: rgba(0, 0, 0, 0.4);
  }
  dialog h2 {
    font-size: 1.15em;
    font-weight: 500;
    margin: 0 0 8px;
  }
  dialog p {
    margin: 0 0 16px;
    color: var(--secondary-text-color);
  }
  .buttons {
    display: flex;
    justify-content: flex-end;
    gap: 8px;
  }
  dialog button {
    font: inherit;
    font-weight: 500;
    border: none;
    border-radius: 18px;
    padding: 0 14px;
    min-height: 36px;
    cursor: pointer;
    background: none;
    color: var(--primary-color);
  }
  dialog button.confirm {
    background: var(--primary-color);
    color: var(--text-primary-color, #fff);
  }
  @media (max-width: 420px) {
    li.row {
      gap: 0 8px;
      padding-left: 12px;
    }
    .act .label {
      display: none;
    }
  }
`;var Bt=365*864e5,ie=160,oe=32,zt=Object.entries(se).map(([i,e])=>`${e}.${C}_${i}`),re={ok:{icon:"mdi:check-circle",color:"var(--pvb-ok)",label:"OK"},late:{icon:"mdi:clock-alert-outline",color:"var(--pvb-warn)",label:"Late"},failed:{icon:"mdi:alert-circle",color:"var(--pvb-error)",label:"Failed"},never:{icon:"mdi:close-circle-outline",color:"var(--pvb-error)",label:"Never backed up"},not_in_job:{icon:"mdi:calendar-remove-outline",color:"var(--pvb-warn)",label:"Not in a backup job"},running:{icon:"mdi:progress-upload",color:"var(--pvb-info)",label:"Running"},unknown:{icon:"mdi:help-circle-outline",color:"var(--pvb-muted)",label:"Unknown"}},Nt=6e4,ae=class extends y{static styles=pt;static properties={preview:{type:Boolean},_config:{state:!0},_cat:{state:!0},_confirm:{state:!0},_pending:{state:!0},_now:{state:!0},_expanded:{state:!0},_sizes:{state:!0},_ha:{state:!0}};_hass;_ids=[];_idsFor;_seen=[];_timer;constructor(){super(),this._pending=new Map,this._now=Date.now(),this._expanded=new Set,this._sizes=new Map,this._ha=null}static getConfigElement(){return document.createElement("pve-backup-card-editor")}static getStubConfig(e){let{clusters:t}=Ae(e),s=t.length===1?t[0]:void 0;return{type:"custom:pve-backup-card",...s?.key?{cluster:s.key}:{},filter:"all",group_by:"none",columns:[...M],compact:!1}}setConfig(e){this._config=T(e),this.toggleAttribute("compact",this._config.compact)}get hass(){return this._hass}set hass(e){this._hass=e,e.entities!==this._idsFor&&(this._idsFor=e.entities,this._ids=Object.values(e.entities??{}).flatMap(s=>s?.platform===C?[s.entity_id]:[]),this._seen=[]);let t=[e.devices,e.locale];for(let s of this._ids)t.push(e.states[s]);for(let s of zt)t.push(e.states[s]);t.length===this._seen.length&&t.every((s,n)=>s===this._seen[n])||(this._seen=t,this._cat=Ae(e),this._ha=ct(e),this._now=Date.now())}connectedCallback(){super.connectedCallback(),this._timer=setInterval(()=>{this._now=Date.now()},3e4)}disconnectedCallback(){super.disconnectedCallback(),clearInterval(this._timer)}getCardSize(){let e=this._cat?.guests.length??3;return 2+Math.ceil(e*(this._config?.compact?36:48)/50)}getGridOptions(){return{columns:12,min_columns:6,rows:"auto"}}willUpdate(e){if(!e.has("_cat"))return;for(let s of this._expanded){let n=this._cat?.guests.find(r=>r.deviceId===s);n&&this._loadSizes(n)}if(this._pending.size===0)return;let t=new Map(this._pending);for(let[s,n]of this._pending){let r=this._cat?.guests.find(o=>o.deviceId===s);(!r||r.status==="running"||r.lastBackupMs!==n.lastBackupMs||this._now-n.sinceMs>Nt)&&t.delete(s)}t.size!==this._pending.size&&(this._pending=t)}render(){let e=this._config;if(!e||!this._hass)return m;let t=this._cat??{guests:[],clusters:[]},s=e.cluster?t.clusters.filter(a=>ot(a,e.cluster)):t.clusters,n=new Set(s.map(a=>a.deviceId)),r=e.cluster?t.guests.filter(a=>a.clusterDeviceId&&n.has(a.clusterDeviceId)):t.guests,o=rt(r,e.group_by,e.filter==="problems"),l=new Set(e.columns);return this._labels.clear(),f`
      <ha-card>
        <div class="header">
          <h2 class="title">${e.title??"Backups"}</h2>
        </div>
        ${this._summary(s)}
        ${this._haBackup()}
        ${r.length===0?f`<div class="empty">
                ${t.guests.length===0?"No PVE Backup guests found. Set up the PVE Backup integration and start the add-on.":`No guests in cluster "${e.cluster}".`}
              </div>`:o.length===0?f`<div class="empty">No backup problems.</div>`:o.map(a=>f`
                    ${a.label===null?m:f`<div class="group" role="heading" aria-level="3">${this._groupLabel(a.label)} · ${a.guests.length}</div>`}
                    <ul>
                      ${nt(a.guests,u=>u.deviceId,u=>this._row(u,l))}
                    </ul>
                  `)}
        ${this._dialog()}
      </ha-card>
    `}_groupLabel(e){return this._config?.group_by==="status"?re[e]?.label??e:e===""?"No tier":`Tier ${e}`}_summary(e){if(e.length===0)return m;let t=at(e),s=this._hass?.locale?.language??"en",n=e.length===1?e[0]:void 0,r=(o,l,a,u,d)=>f`
      <button class="chip ${o}" title=${d} aria-label=${`${d}: ${a}`} @click=${()=>u&&this._moreInfo(u)}>
        <ha-icon icon=${l}></ha-icon><span>${a}</span>
      </button>
    `;return f`<div class="summary">
      ${r("good","mdi:check-circle",`${t.ok??"?"} OK`,n?.entities.problems,"Guests backed up")}
      ${r(t.problems?"bad":"","mdi:alert-circle-outline",`${t.problems??"?"} with problems`,n?.entities.problems,"Guests with backup problems")}
      ${r("","mdi:calendar-clock",`Next ${D(t.nextRunMs,this._now,s)}`,n?.entities.nextRun,"Next scheduled backup")}
      ${r("","mdi:harddisk",`${H(t.storageFreeBytes,s)} free`,n?.entities.storageFree,"Backup storage free")}
    </div>`}_row(e,t){let n=this._hass.locale?.language??"en",r=re[e.status],o=e.entities.backup_status,l=this._statusLabel(e.status,o),a=this._pending.has(e.deviceId),u=e.status==="running"||a,d=this._expanded.has(e.deviceId),c=[];t.has("status")&&c.push(f`<span class="status-text">${l}</span>`),t.has("vmid")&&e.vmid!==null&&c.push(`${e.kind??""} ${e.vmid}`.trim()),t.has("tier")&&c.push(e.tier?`tier ${e.tier}`:"no tier"),e.reason&&e.problem&&c.push(f`<span class="reason">${e.reason}</span>`);let h=c.flatMap((p,g)=>g===0?[p]:[" \xB7 ",p]);return f`
      <li class="row" style="--pvb-color:${r.color}" data-status=${e.status} data-vmid=${e.vmid??""}>
        <ha-icon class="status-icon" icon=${r.icon} aria-hidden="true"></ha-icon>
        <button class="main" @click=${()=>o&&this._moreInfo(o)} aria-label=${`${e.name}: ${l}`}>
          <span class="name">${e.name}</span>
          <span class="sub">${h}</span>
        </button>
        <span class="meta">
          ${t.has("age")?f`<span class="age" title="Last backup">${D(e.lastBackupMs,this._now,n)}</span>`:m}
          ${t.has("size")?f`<span class="size" title="Backup size">${H(e.sizeBytes,n)}</span>`:m}
        </span>
        ${t.has("actions")&&e.entities.backup_now?f`<button class="act" ?disabled=${u||this.preview} @click=${()=>this._ask(e)} aria-label=${`Back up ${e.name} now`}>
                <ha-icon icon="mdi:content-save-outline"></ha-icon><span class="label">${u?e.status==="running"?"Running":"Starting":"Back up now"}</span>
              </button>`:f`<span></span>`}
        <button
          class="expand"
          aria-expanded=${d?"true":"false"}
          aria-controls=${`pvb-detail-${e.deviceId}`}
          aria-label=${`${d?"Hide":"Show"} archive sizes of ${e.name}`}
          @click=${()=>this._toggle(e)}
        >
          <ha-icon icon=${d?"mdi:chevron-up":"mdi:chevron-down"}></ha-icon>
        </button>
        ${u?f`<div class="bar" role="progressbar" aria-label=${`Backing up ${e.name}`}></div>`:m}
        ${d?this._detail(e,n):m}
      </li>
    `}_haBackup(){let e=this._ha;if(!e)return m;let t=this._hass?.locale?.language??"en",s=re[e.status],n=e.status==="failed"?e.verification==="failed"?"Check failed":"Problem":e.status==="never"?"No backup found":s.label,r=[f`<span class="status-text">${n}</span>`];e.verification!=="unknown"&&r.push(e.verification==="ok"?"verified":"not verified"),e.nextMs!==null&&r.push(`next ${D(e.nextMs,this._now,t)}`),e.message&&e.status==="failed"&&r.push(f`<span class="reason">${e.message}</span>`);let o=e.entities.ha_backup_last??e.entities.ha_backup_problem??e.entities.ha_backup_verification;return f`<ul class="ha-backup">
      <li class="ha-row" style="--pvb-color:${s.color}" data-status=${e.status}>
        <ha-icon class="status-icon" icon="mdi:home-assistant" aria-hidden="true"></ha-icon>
        <button class="main" @click=${()=>o&&this._moreInfo(o)} aria-label=${`Home Assistant backups: ${n}`}>
          <span class="name">Home Assistant backups</span>
          <span class="sub">${r.flatMap((l,a)=>a===0?[l]:[" \xB7 ",l])}</span>
        </button>
        <span class="meta">
          <span class="age" title="Last backup">${D(e.lastMs,this._now,t)}</span>
          <span class="size" title="Backup size">${H(e.sizeBytes,t)}</span>
        </span>
      </li>
    </ul>`}_toggle(e){let t=new Set(this._expanded);t.has(e.deviceId)?t.delete(e.deviceId):(t.add(e.deviceId),this._loadSizes(e)),this._expanded=t}async _loadSizes(e){let t=e.entities.backup_size,s=this._hass;if(!t||!s)return;let n=s.states[t],r=`${n?.state}@${n?.last_updated??n?.last_changed??""}`,o=this._sizes.get(t);if(o&&o.stamp===r&&o.state!=="error")return;let l=a=>{this._sizes=new Map(this._sizes).set(t,a)};if(!s.callWS){l({state:"error",stamp:r,message:"Size history needs a newer Home Assistant frontend."});return}l({state:"loading",stamp:r});try{let a=await s.callWS({type:"history/history_during_period",start_time:new Date(Date.now()-Bt).toISOString(),entity_ids:[t],minimal_response:!0,no_attributes:!0,significant_changes_only:!1});l({state:"loaded",stamp:r,points:ut(a,t)})}catch{l({state:"error",stamp:r,message:"No size history: Home Assistant's recorder and history are not available."})}}_detail(e,t){let s=e.entities.backup_size,n=s?this._sizes.get(s):void 0,r;if(!s)r="This guest has no backup size sensor.";else if(!n||n.state==="loading")r="Loading archive sizes\u2026";else if(n.state==="error")r=n.message;else if(n.points.length===0)r="No archive sizes recorded yet.";else{let o=n.points,l=o.map(h=>h.bytes),a=H(Math.min(...l),t),u=H(Math.max(...l),t),d=a===u?a:`${a} \u2013 ${u}`,c=o.length===1?`One archive size so far: ${a}`:`Archive sizes, ${o.length} changes since ${new Date(o[0]?.ms??0).toLocaleDateString(t)}: ${d}`;r=f`<svg class="spark" viewBox="0 0 ${ie} ${oe}" width=${ie} height=${oe} role="img" aria-label=${c} data-points=${o.length}>
          ${o.length===1?be`<circle cx=${ie/2} cy=${oe/2} r="2.5"></circle>`:be`<polyline points=${dt(o,ie,oe)}></polyline>`}
        </svg>
        <span class="spark-text">${o.length===1?`one size so far: ${a}`:`${d} \xB7 ${o.length} sizes`}</span>`}return f`<div class="detail" id=${`pvb-detail-${e.deviceId}`}>${r}</div>`}_labels=new Map;_statusLabel(e,t){let s=this._labels.get(e);if(s===void 0){let n=t?this._hass?.states[t]:void 0;s=n&&n.state===e&&this._hass?.formatEntityState?.(n)||re[e].label,this._labels.set(e,s)}return s}_dialog(){let e=this._confirm;return f`<dialog @close=${()=>this._confirm=void 0} @cancel=${()=>this._confirm=void 0}>
      ${e?f`<h2>Back up ${e.name} now?</h2>
              <p>Starts one backup of ${e.kind??"guest"} ${e.vmid??""} in Proxmox VE, with its tier's settings.</p>
              <div class="buttons">
                <button class="cancel" @click=${this._closeDialog}>Cancel</button>
                <button class="confirm" @click=${()=>this._press(e)}>Back up now</button>
              </div>`:m}
    </dialog>`}async _ask(e){this._confirm=e,await this.updateComplete;let t=this.renderRoot.querySelector("dialog");t&&!t.open&&t.showModal(),this.renderRoot.querySelector("dialog button.confirm")?.focus()}_closeDialog=()=>{this.renderRoot.querySelector("dialog")?.close(),this._confirm=void 0};async _press(e){if(this._pending.has(e.deviceId)||!this._hass||!e.entities.backup_now)return this._closeDialog();this._pending=new Map(this._pending).set(e.deviceId,{sinceMs:Date.now(),lastBackupMs:e.lastBackupMs}),this._closeDialog();try{await this._hass.callService("button","press",{},{entity_id:e.entities.backup_now})}catch{let t=new Map(this._pending);t.delete(e.deviceId),this._pending=t}}_moreInfo(e){this.dispatchEvent(new CustomEvent("hass-more-info",{detail:{entityId:e},bubbles:!0,composed:!0}))}};var B="pve-backup-card";function ht(){customElements.get(B)||customElements.define(B,ae),customElements.get(`${B}-editor`)||customElements.define(`${B}-editor`,Z),window.customCards=window.customCards??[],window.customCards.some(i=>i.type===B)||window.customCards.push({type:B,name:"PVE Backup",description:"Backups of your Proxmox VE guests: status, age, size, problems first, and Back up now.",preview:!0,documentationURL:"https://github.com/pve-backup/pve-backup"})}ht();customElements.whenDefined("home-assistant").then(ht,()=>{});
