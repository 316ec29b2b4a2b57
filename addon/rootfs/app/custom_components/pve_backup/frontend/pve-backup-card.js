var G=globalThis,j=G.ShadowRoot&&(G.ShadyCSS===void 0||G.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,ce=Symbol(),Ce=new WeakMap,z=class{constructor(e,t,n){if(this._$cssResult$=!0,n!==ce)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(j&&e===void 0){let n=t!==void 0&&t.length===1;n&&(e=Ce.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),n&&Ce.set(t,e))}return e}toString(){return this.cssText}},Re=s=>new z(typeof s=="string"?s:s+"",void 0,ce),ue=(s,...e)=>{let t=s.length===1?s[0]:e.reduce((n,i,r)=>n+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+s[r+1],s[0]);return new z(t,s,ce)},Me=(s,e)=>{if(j)s.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let n=document.createElement("style"),i=G.litNonce;i!==void 0&&n.setAttribute("nonce",i),n.textContent=t.cssText,s.appendChild(n)}},de=j?s=>s:s=>s instanceof CSSStyleSheet?(e=>{let t="";for(let n of e.cssRules)t+=n.cssText;return Re(t)})(s):s;var{is:wt,defineProperty:At,getOwnPropertyDescriptor:St,getOwnPropertyNames:Et,getOwnPropertySymbols:Ct,getPrototypeOf:Rt}=Object,V=globalThis,Te=V.trustedTypes,Mt=Te?Te.emptyScript:"",Tt=V.reactiveElementPolyfillSupport,O=(s,e)=>s,pe={toAttribute(s,e){switch(e){case Boolean:s=s?Mt:null;break;case Object:case Array:s=s==null?s:JSON.stringify(s)}return s},fromAttribute(s,e){let t=s;switch(e){case Boolean:t=s!==null;break;case Number:t=s===null?null:Number(s);break;case Object:case Array:try{t=JSON.parse(s)}catch{t=null}}return t}},Pe=(s,e)=>!wt(s,e),Ne={attribute:!0,type:String,converter:pe,reflect:!1,useDefault:!1,hasChanged:Pe};Symbol.metadata??=Symbol("metadata"),V.litPropertyMetadata??=new WeakMap;var b=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=Ne){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let n=Symbol(),i=this.getPropertyDescriptor(e,n,t);i!==void 0&&At(this.prototype,e,i)}}static getPropertyDescriptor(e,t,n){let{get:i,set:r}=St(this.prototype,e)??{get(){return this[t]},set(o){this[t]=o}};return{get:i,set(o){let l=i?.call(this);r?.call(this,o),this.requestUpdate(e,l,n)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??Ne}static _$Ei(){if(this.hasOwnProperty(O("elementProperties")))return;let e=Rt(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(O("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(O("properties"))){let t=this.properties,n=[...Et(t),...Ct(t)];for(let i of n)this.createProperty(i,t[i])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[n,i]of t)this.elementProperties.set(n,i)}this._$Eh=new Map;for(let[t,n]of this.elementProperties){let i=this._$Eu(t,n);i!==void 0&&this._$Eh.set(i,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let n=new Set(e.flat(1/0).reverse());for(let i of n)t.unshift(de(i))}else e!==void 0&&t.push(de(e));return t}static _$Eu(e,t){let n=t.attribute;return n===!1?void 0:typeof n=="string"?n:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let n of t.keys())this.hasOwnProperty(n)&&(e.set(n,this[n]),delete this[n]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Me(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,n){this._$AK(e,n)}_$ET(e,t){let n=this.constructor.elementProperties.get(e),i=this.constructor._$Eu(e,n);if(i!==void 0&&n.reflect===!0){let r=(n.converter?.toAttribute!==void 0?n.converter:pe).toAttribute(t,n.type);this._$Em=e,r==null?this.removeAttribute(i):this.setAttribute(i,r),this._$Em=null}}_$AK(e,t){let n=this.constructor,i=n._$Eh.get(e);if(i!==void 0&&this._$Em!==i){let r=n.getPropertyOptions(i),o=typeof r.converter=="function"?{fromAttribute:r.converter}:r.converter?.fromAttribute!==void 0?r.converter:pe;this._$Em=i;let l=o.fromAttribute(t,r.type);this[i]=l??this._$Ej?.get(i)??l,this._$Em=null}}requestUpdate(e,t,n,i=!1,r){if(e!==void 0){let o=this.constructor;if(i===!1&&(r=this[e]),n??=o.getPropertyOptions(e),!((n.hasChanged??Pe)(r,t)||n.useDefault&&n.reflect&&r===this._$Ej?.get(e)&&!this.hasAttribute(o._$Eu(e,n))))return;this.C(e,t,n)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:n,reflect:i,wrapped:r},o){n&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,o??t??this[e]),r!==!0||o!==void 0)||(this._$AL.has(e)||(this.hasUpdated||n||(t=void 0),this._$AL.set(e,t)),i===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,r]of this._$Ep)this[i]=r;this._$Ep=void 0}let n=this.constructor.elementProperties;if(n.size>0)for(let[i,r]of n){let{wrapped:o}=r,l=this[i];o!==!0||this._$AL.has(i)||l===void 0||this.C(i,void 0,r,l)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(n=>n.hostUpdate?.()),this.update(t)):this._$EM()}catch(n){throw e=!1,this._$EM(),n}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};b.elementStyles=[],b.shadowRootOptions={mode:"open"},b[O("elementProperties")]=new Map,b[O("finalized")]=new Map,Tt?.({ReactiveElement:b}),(V.reactiveElementVersions??=[]).push("2.1.2");var fe=globalThis,He=s=>s,K=fe.trustedTypes,Be=K?K.createPolicy("lit-html",{createHTML:s=>s}):void 0,me="$lit$",v=`lit$${Math.random().toFixed(9).slice(2)}$`,ge="?"+v,Nt=`<${ge}>`,A=document,F=()=>A.createComment(""),U=s=>s===null||typeof s!="object"&&typeof s!="function",ye=Array.isArray,Le=s=>ye(s)||typeof s?.[Symbol.iterator]=="function",he=`[ 	
\f\r]`,I=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,ze=/-->/g,Oe=/>/g,k=RegExp(`>|${he}(?:([^\\s"'>=/]+)(${he}*=${he}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Ie=/'/g,Fe=/"/g,De=/^(?:script|style|textarea|title)$/i,_e=s=>(e,...t)=>({_$litType$:s,strings:e,values:t}),m=_e(1),be=_e(2),ts=_e(3),$=Symbol.for("lit-noChange"),f=Symbol.for("lit-nothing"),Ue=new WeakMap,w=A.createTreeWalker(A,129);function Ge(s,e){if(!ye(s)||!s.hasOwnProperty("raw"))throw Error("invalid template strings array");return Be!==void 0?Be.createHTML(e):e}var je=(s,e)=>{let t=s.length-1,n=[],i,r=e===2?"<svg>":e===3?"<math>":"",o=I;for(let l=0;l<t;l++){let a=s[l],u,p,c=-1,h=0;for(;h<a.length&&(o.lastIndex=h,p=o.exec(a),p!==null);)h=o.lastIndex,o===I?p[1]==="!--"?o=ze:p[1]!==void 0?o=Oe:p[2]!==void 0?(De.test(p[2])&&(i=RegExp("</"+p[2],"g")),o=k):p[3]!==void 0&&(o=k):o===k?p[0]===">"?(o=i??I,c=-1):p[1]===void 0?c=-2:(c=o.lastIndex-p[2].length,u=p[1],o=p[3]===void 0?k:p[3]==='"'?Fe:Ie):o===Fe||o===Ie?o=k:o===ze||o===Oe?o=I:(o=k,i=void 0);let d=o===k&&s[l+1].startsWith("/>")?" ":"";r+=o===I?a+Nt:c>=0?(n.push(u),a.slice(0,c)+me+a.slice(c)+v+d):a+v+(c===-2?l:d)}return[Ge(s,r+(s[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),n]},L=class s{constructor({strings:e,_$litType$:t},n){let i;this.parts=[];let r=0,o=0,l=e.length-1,a=this.parts,[u,p]=je(e,t);if(this.el=s.createElement(u,n),w.currentNode=this.el.content,t===2||t===3){let c=this.el.content.firstChild;c.replaceWith(...c.childNodes)}for(;(i=w.nextNode())!==null&&a.length<l;){if(i.nodeType===1){if(i.hasAttributes())for(let c of i.getAttributeNames())if(c.endsWith(me)){let h=p[o++],d=i.getAttribute(c).split(v),g=/([.?@])?(.*)/.exec(h);a.push({type:1,index:r,name:g[2],strings:d,ctor:g[1]==="."?q:g[1]==="?"?J:g[1]==="@"?Y:E}),i.removeAttribute(c)}else c.startsWith(v)&&(a.push({type:6,index:r}),i.removeAttribute(c));if(De.test(i.tagName)){let c=i.textContent.split(v),h=c.length-1;if(h>0){i.textContent=K?K.emptyScript:"";for(let d=0;d<h;d++)i.append(c[d],F()),w.nextNode(),a.push({type:2,index:++r});i.append(c[h],F())}}}else if(i.nodeType===8)if(i.data===ge)a.push({type:2,index:r});else{let c=-1;for(;(c=i.data.indexOf(v,c+1))!==-1;)a.push({type:7,index:r}),c+=v.length-1}r++}}static createElement(e,t){let n=A.createElement("template");return n.innerHTML=e,n}};function S(s,e,t=s,n){if(e===$)return e;let i=n!==void 0?t._$Co?.[n]:t._$Cl,r=U(e)?void 0:e._$litDirective$;return i?.constructor!==r&&(i?._$AO?.(!1),r===void 0?i=void 0:(i=new r(s),i._$AT(s,t,n)),n!==void 0?(t._$Co??=[])[n]=i:t._$Cl=i),i!==void 0&&(e=S(s,i._$AS(s,e.values),i,n)),e}var W=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:n}=this._$AD,i=(e?.creationScope??A).importNode(t,!0);w.currentNode=i;let r=w.nextNode(),o=0,l=0,a=n[0];for(;a!==void 0;){if(o===a.index){let u;a.type===2?u=new R(r,r.nextSibling,this,e):a.type===1?u=new a.ctor(r,a.name,a.strings,this,e):a.type===6&&(u=new Z(r,this,e)),this._$AV.push(u),a=n[++l]}o!==a?.index&&(r=w.nextNode(),o++)}return w.currentNode=A,i}p(e){let t=0;for(let n of this._$AV)n!==void 0&&(n.strings!==void 0?(n._$AI(e,n,t),t+=n.strings.length-2):n._$AI(e[t])),t++}},R=class s{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,n,i){this.type=2,this._$AH=f,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=n,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=S(this,e,t),U(e)?e===f||e==null||e===""?(this._$AH!==f&&this._$AR(),this._$AH=f):e!==this._$AH&&e!==$&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):Le(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==f&&U(this._$AH)?this._$AA.nextSibling.data=e:this.T(A.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:n}=e,i=typeof n=="number"?this._$AC(e):(n.el===void 0&&(n.el=L.createElement(Ge(n.h,n.h[0]),this.options)),n);if(this._$AH?._$AD===i)this._$AH.p(t);else{let r=new W(i,this),o=r.u(this.options);r.p(t),this.T(o),this._$AH=r}}_$AC(e){let t=Ue.get(e.strings);return t===void 0&&Ue.set(e.strings,t=new L(e)),t}k(e){ye(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,n,i=0;for(let r of e)i===t.length?t.push(n=new s(this.O(F()),this.O(F()),this,this.options)):n=t[i],n._$AI(r),i++;i<t.length&&(this._$AR(n&&n._$AB.nextSibling,i),t.length=i)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let n=He(e).nextSibling;He(e).remove(),e=n}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},E=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,n,i,r){this.type=1,this._$AH=f,this._$AN=void 0,this.element=e,this.name=t,this._$AM=i,this.options=r,n.length>2||n[0]!==""||n[1]!==""?(this._$AH=Array(n.length-1).fill(new String),this.strings=n):this._$AH=f}_$AI(e,t=this,n,i){let r=this.strings,o=!1;if(r===void 0)e=S(this,e,t,0),o=!U(e)||e!==this._$AH&&e!==$,o&&(this._$AH=e);else{let l=e,a,u;for(e=r[0],a=0;a<r.length-1;a++)u=S(this,l[n+a],t,a),u===$&&(u=this._$AH[a]),o||=!U(u)||u!==this._$AH[a],u===f?e=f:e!==f&&(e+=(u??"")+r[a+1]),this._$AH[a]=u}o&&!i&&this.j(e)}j(e){e===f?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},q=class extends E{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===f?void 0:e}},J=class extends E{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==f)}},Y=class extends E{constructor(e,t,n,i,r){super(e,t,n,i,r),this.type=5}_$AI(e,t=this){if((e=S(this,e,t,0)??f)===$)return;let n=this._$AH,i=e===f&&n!==f||e.capture!==n.capture||e.once!==n.once||e.passive!==n.passive,r=e!==f&&(n===f||i);i&&this.element.removeEventListener(this.name,this,n),r&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},Z=class{constructor(e,t,n){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=n}get _$AU(){return this._$AM._$AU}_$AI(e){S(this,e)}},Ve={M:me,P:v,A:ge,C:1,L:je,R:W,D:Le,V:S,I:R,H:E,N:J,U:Y,B:q,F:Z},Pt=fe.litHtmlPolyfillSupport;Pt?.(L,R),(fe.litHtmlVersions??=[]).push("3.3.3");var Ke=(s,e,t)=>{let n=t?.renderBefore??e,i=n._$litPart$;if(i===void 0){let r=t?.renderBefore??null;n._$litPart$=i=new R(e.insertBefore(F(),r),r,void 0,t??{})}return i._$AI(s),i};var ve=globalThis,_=class extends b{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=Ke(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return $}};_._$litElement$=!0,_.finalized=!0,ve.litElementHydrateSupport?.({LitElement:_});var Ht=ve.litElementPolyfillSupport;Ht?.({LitElement:_});(ve.litElementVersions??=[]).push("4.2.2");var M=["vmid","tier","status","age","size","actions"],We=["all","problems"],qe=["none","tier","status"];function $e(s,e,t,n){if(s==null||s==="")return n;if(typeof s=="string"&&e.includes(s))return s;throw new Error(`pve-backup-card: ${t} must be one of ${e.join(", ")}; got ${JSON.stringify(s)}.`)}function T(s){if(typeof s!="object"||s===null||Array.isArray(s))throw new Error("pve-backup-card: the card's configuration must be a mapping of options.");let e=s;for(let n of["title","cluster"])if(e[n]!==void 0&&e[n]!==null&&typeof e[n]!="string")throw new Error(`pve-backup-card: ${n} must be text; got ${JSON.stringify(e[n])}.`);if(e.compact!==void 0&&typeof e.compact!="boolean")throw new Error(`pve-backup-card: compact must be true or false; got ${JSON.stringify(e.compact)}.`);let t=[...M];if(e.columns!==void 0&&e.columns!==null){if(!Array.isArray(e.columns))throw new Error(`pve-backup-card: columns must be a list of ${M.join(", ")}.`);t=e.columns.map(n=>$e(n,M,"each column","status"))}return{type:typeof e.type=="string"?e.type:"custom:pve-backup-card",...typeof e.title=="string"&&e.title?{title:e.title}:{},...typeof e.cluster=="string"&&e.cluster?{cluster:e.cluster}:{},filter:$e(e.filter,We,"filter","all"),group_by:$e(e.group_by,qe,"group_by","none"),columns:t,compact:e.compact===!0}}function Je(){let s=(e,t)=>e.map(n=>({value:n,label:t[n]??n}));return{schema:[{name:"title",selector:{text:{}}},{name:"cluster",selector:{device:{filter:{integration:"pve_backup",model:"Cluster"}}}},{type:"grid",name:"",schema:[{name:"filter",selector:{select:{mode:"dropdown",options:s(We,{all:"All guests",problems:"Only problems"})}}},{name:"group_by",selector:{select:{mode:"dropdown",options:s(qe,{none:"No grouping",tier:"Tier",status:"Status"})}}}]},{name:"columns",selector:{select:{multiple:!0,mode:"list",options:s(M,{vmid:"VM/CT id",tier:"Tier",status:"Status",age:"Age of last backup",size:"Backup size",actions:"Back up now button"})}}},{name:"compact",selector:{boolean:{}}}],assertConfig:e=>{T(e)},computeLabel:e=>({title:"Title",cluster:"Cluster (all when empty)",filter:"Show",group_by:"Group by",columns:"Columns",compact:"Compact rows"})[e.name]}}var Q=class extends _{static properties={hass:{attribute:!1},_config:{state:!0}};setConfig(e){T(e),this._config=e}render(){if(!this._config)return m``;let e=Je(),t=T(this._config);return m`<ha-form
      .hass=${this.hass}
      .data=${t}
      .schema=${e.schema}
      .computeLabel=${e.computeLabel}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(e){e.stopPropagation();let t={...this._config,...e.detail.value};for(let[n,i]of Object.entries(t))(i===void 0||i==="")&&delete t[n];this._config=t,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:t},bubbles:!0,composed:!0}))}};var Ye={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Ze=s=>(...e)=>({_$litDirective$:s,values:e}),X=class{constructor(e){}get _$AU(){return this._$AM._$AU}_$AT(e,t,n){this._$Ct=e,this._$AM=t,this._$Ci=n}_$AS(e,t){return this.update(e,t)}update(e,t){return this.render(...t)}};var{I:Bt}=Ve,Qe=s=>s;var Xe=()=>document.createComment(""),N=(s,e,t)=>{let n=s._$AA.parentNode,i=e===void 0?s._$AB:e._$AA;if(t===void 0){let r=n.insertBefore(Xe(),i),o=n.insertBefore(Xe(),i);t=new Bt(r,o,s,s.options)}else{let r=t._$AB.nextSibling,o=t._$AM,l=o!==s;if(l){let a;t._$AQ?.(s),t._$AM=s,t._$AP!==void 0&&(a=s._$AU)!==o._$AU&&t._$AP(a)}if(r!==i||l){let a=t._$AA;for(;a!==r;){let u=Qe(a).nextSibling;Qe(n).insertBefore(a,i),a=u}}}return t},x=(s,e,t=s)=>(s._$AI(e,t),s),zt={},et=(s,e=zt)=>s._$AH=e,tt=s=>s._$AH,ee=s=>{s._$AR(),s._$AA.remove()};var st=(s,e,t)=>{let n=new Map;for(let i=e;i<=t;i++)n.set(s[i],i);return n},nt=Ze(class extends X{constructor(s){if(super(s),s.type!==Ye.CHILD)throw Error("repeat() can only be used in text expressions")}dt(s,e,t){let n;t===void 0?t=e:e!==void 0&&(n=e);let i=[],r=[],o=0;for(let l of s)i[o]=n?n(l,o):o,r[o]=t(l,o),o++;return{values:r,keys:i}}render(s,e,t){return this.dt(s,e,t).values}update(s,[e,t,n]){let i=tt(s),{values:r,keys:o}=this.dt(e,t,n);if(!Array.isArray(i))return this.ut=o,r;let l=this.ut??=[],a=[],u,p,c=0,h=i.length-1,d=0,g=r.length-1;for(;c<=h&&d<=g;)if(i[c]===null)c++;else if(i[h]===null)h--;else if(l[c]===o[d])a[d]=x(i[c],r[d]),c++,d++;else if(l[h]===o[g])a[g]=x(i[h],r[g]),h--,g--;else if(l[c]===o[g])a[g]=x(i[c],r[g]),N(s,a[g+1],i[c]),c++,g--;else if(l[h]===o[d])a[d]=x(i[h],r[d]),N(s,i[c],i[h]),h--,d++;else if(u===void 0&&(u=st(o,d,g),p=st(l,c,h)),u.has(l[c]))if(u.has(l[h])){let y=p.get(o[d]),B=y!==void 0?i[y]:null;if(B===null){let Ee=N(s,i[c]);x(Ee,r[d]),a[d]=Ee}else a[d]=x(B,r[d]),N(s,i[c],B),i[y]=null;d++}else ee(i[h]),h--;else ee(i[c]),c++;for(;d<=g;){let y=N(s,a[g+1]);x(y,r[d]),a[d++]=y}for(;c<=h;){let y=i[c++];y!==null&&ee(y)}return this.ut=o,et(s,a),$}});function ot(s,e){let t=Math.round((e-s)/6e4);if(t<1)return"just now";if(t<60)return`${t} min ago`;let n=Math.round(t/60);return n<48?`${n} h ago`:`${Math.round(n/24)} days ago`}function rt(s,e){let t=s.offNas==="yes"?{text:`off-NAS: yes${s.offNasMs===null?"":`, ${ot(s.offNasMs,e)}`}`,tone:"ok"}:s.offNas==="no"?{text:"off-NAS: no",tone:"warn"}:{text:`off-NAS: unknown${s.offNasReason?` (${s.offNasReason})`:""}`,tone:"muted"};return[s.pve===null?{text:"on PVE: unknown",tone:"muted"}:{text:`${s.pve} on PVE`,tone:"plain"},s.nas===null?{text:"on the NAS: unknown",tone:"muted"}:{text:`${s.nas} on the NAS`,tone:"plain"},t]}var Ot={api:"quick check",full:"full check"};function at(s,e){if(s===null)return[{text:"Never verified",tone:"muted"}];let t=s.timeMs===null?null:ot(s.timeMs,e),n=s.depth===null?null:Ot[s.depth],i=[t,n].filter(r=>r!==null);return s.result==="failed"?[{text:s.message?`Check failed: ${s.message}`:"Check failed",tone:"error"},...i.length?[{text:i.join(" \xB7 "),tone:"muted"}]:[]]:s.result==="ok"?[{text:t?`Verified ${t}`:"Verified",tone:"plain"},...n?[{text:n,tone:"plain"}]:[],{text:"OK",tone:"ok"}]:[{text:`Verification result unknown${t?` (${t})`:""}`,tone:"muted"}]}function lt(s,e){return{checkFailed:s?.result==="failed",noOffNas:e?.offNas==="no"}}var ct=s=>{if(typeof s!="string"||s==="")return null;let e=Date.parse(s);return Number.isNaN(e)?null:e},it=s=>typeof s=="number"&&Number.isFinite(s)&&s>=0?s:null,ut=s=>typeof s=="string"&&s!==""?s:null;function It(s){if(typeof s!="object"||s===null)return;let e=s;return{pve:it(e.pve),nas:it(e.nas),offNas:e.offNas==="yes"||e.offNas==="no"?e.offNas:"unknown",offNasMs:ct(e.offNasTime),offNasReason:e.offNas==="yes"||e.offNas==="no"?null:ut(e.offNasReason)}}function Ft(s){let e=Ut(s);if(!e)return e;let t=s.depth;return{...e,depth:t==="api"||t==="full"?t:null}}function Ut(s){if(s===void 0)return;if(typeof s!="object"||s===null)return null;let e=s;return{timeMs:ct(e.time),result:e.result==="ok"||e.result==="failed"?e.result:null,message:ut(e.message)}}function dt(s){if("off_nas"in s)return It({pve:s.copies_pve,nas:s.copies_nas,offNas:s.off_nas,offNasTime:s.off_nas_time,offNasReason:s.off_nas_reason})}function pt(s){if("last_verified"in s)return s.last_verified==null&&s.last_verified_result==null?null:Ft({time:s.last_verified,result:s.last_verified_result,depth:s.last_verified_depth,message:s.last_verified_message})}var C="pve_backup",te=["failed","late","never","not_in_job","unknown","running","ok"],Lt=["last_backup","backup_status","backup_problem","backup_size","backup_now","tier"],Dt=s=>s!=null&&Lt.includes(s),ie=new Set(["unknown","unavailable",""]);function xe(s){if(!s||ie.has(s.state))return null;let e=Number(s.state);return Number.isFinite(e)?e:null}function se(s){if(!s||ie.has(s.state))return null;let e=Date.parse(s.state);return Number.isNaN(e)?null:e}function Gt(s){let e=s?.state;return te.includes(e??"")?e:"unknown"}function ke(s){return s?.identifiers?.find(([e])=>e===C)?.[1]??null}function jt(s){let e=s?.name_by_user??s?.name??"",t=/^(.*) \((VM|CT) (\d+)\)$/.exec(s?.name??""),n=/_(\d+)$/.exec(ke(s)??"")?.[1],i=n?Number(n):t?Number(t[3]):null;return{name:(s?.name_by_user??(t?t[1]:e))||(i===null?"?":String(i)),vmid:i,kind:t?t[2]:null}}function Ae(s){let e=new Map,t=new Map;for(let o of Object.values(s.entities??{}))if(!(!o||o.platform!==C||!o.device_id)){if(Dt(o.translation_key)){let l=e.get(o.device_id)??{};l[o.translation_key]=o.entity_id,e.set(o.device_id,l)}else if(!o.translation_key){let l=t.get(o.device_id)??[];l.push(o.entity_id),t.set(o.device_id,l)}}let n=[],i=new Set;for(let[o,l]of e){let a=s.devices?.[o],u=y=>l[y]?s.states[l[y]]:void 0,p=Gt(u("backup_status")),c=u("tier")?.state,h=a?.via_device_id??null;h&&i.add(h);let d=u("backup_status")?.attributes.reason,g=u("last_backup")?.attributes??{};n.push({deviceId:o,clusterDeviceId:h,...jt(a),status:p,problem:u("backup_problem")?.state==="on",reason:typeof d=="string"&&d?d:null,tier:c&&!ie.has(c)&&c!=="none"?c:null,lastBackupMs:se(u("last_backup")),sizeBytes:xe(u("backup_size")),copies:dt(g),verification:pt(g),entities:l})}for(let o of t.keys())e.has(o)||i.add(o);let r=[...i].map(o=>Vt(s,o,t.get(o)??[]));return{guests:n,clusters:r}}function Vt(s,e,t){let n=s.devices?.[e],i={};for(let l of t){let a=s.states[l];if(!l.startsWith("sensor.")||!a)continue;let u=a.attributes.device_class;u==="timestamp"?i.nextRun=l:u==="data_size"?i.storageFree=l:Array.isArray(a.attributes.problems)&&(i.problems=l)}let r=i.problems?s.states[i.problems]:void 0,o=r?.attributes.ok;return{deviceId:e,key:ke(n),name:n?.name_by_user??n?.name??ke(n)??e,ok:typeof o=="number"&&!ie.has(r?.state??"")?o:null,problems:xe(r),nextRunMs:se(i.nextRun?s.states[i.nextRun]:void 0),storageFreeBytes:xe(i.storageFree?s.states[i.storageFree]:void 0),entities:i}}function ft(s,e){return s.deviceId===e||s.key===e||s.name===e}var we=s=>s.problem?0:s.status==="unknown"?1:s.status==="running"?2:3,Kt=(s,e)=>we(s)-we(e)||te.indexOf(s.status)-te.indexOf(e.status)||yt().compare(s.name,e.name)||(s.vmid??0)-(e.vmid??0);function mt(s,e,t){let n=s.filter(o=>!t||o.problem||o.status==="unknown").sort(Kt);if(e==="none")return n.length?[{key:"all",label:null,guests:n}]:[];let i=new Map;for(let o of n){let l=e==="tier"?o.tier??"":o.status;i.set(l,[...i.get(l)??[],o])}let r=(o,l)=>e==="status"?te.indexOf(o):Math.min(...l.map(we))*1e3+(o===""?999:0);return[...i.entries()].sort(([o,l],[a,u])=>r(o,l)-r(a,u)||yt().compare(o,a)).map(([o,l])=>({key:o,label:o,guests:l}))}function gt(s){let e=n=>n.some(i=>i===null)||!n.length?null:n.reduce((i,r)=>(i??0)+(r??0),0),t=n=>{let i=n.filter(r=>r!==null);return i.length?Math.min(...i):null};return{ok:e(s.map(n=>n.ok)),problems:e(s.map(n=>n.problems)),nextRunMs:t(s.map(n=>n.nextRunMs)),storageFreeBytes:t(s.map(n=>n.storageFreeBytes))}}var ht=new Map;function Se(s,e){let t=ht.get(s);return t||(t=e(),ht.set(s,t)),t}var yt=()=>Se("collator",()=>new Intl.Collator(void 0,{numeric:!0}));function P(s,e="en"){if(s===null)return"\u2014";let t=["B","kB","MB","GB","TB","PB"],n=s,i=0;for(;Math.abs(n)>=1e3&&i<t.length-1;)n/=1e3,i++;let r=i===0||n>=100?0:1;return`${Se(`n:${e}:${r}`,()=>new Intl.NumberFormat(e,{maximumFractionDigits:r})).format(n)} ${t[i]}`}function D(s,e,t="en"){if(s===null)return"\u2014";let n=(s-e)/1e3,i=[["second",60],["minute",60],["hour",24],["day",30],["month",12],["year",Number.POSITIVE_INFINITY]],r=n;for(let[o,l]of i){if(Math.abs(r)<l)return Se(`r:${t}`,()=>new Intl.RelativeTimeFormat(t,{numeric:"auto"})).format(Math.round(r),o);r/=l}return"\u2014"}var ne={ha_backup_last:"sensor",ha_backup_next:"sensor",ha_backup_verification:"sensor",ha_backup_problem:"binary_sensor"};function Wt(s){let e={};for(let t of Object.values(s.entities??{}))t?.platform===C&&t.translation_key&&t.translation_key in ne&&(e[t.translation_key]=t.entity_id);for(let[t,n]of Object.entries(ne)){let i=`${n}.${C}_${t}`;!e[t]&&s.states[i]&&(e[t]=i)}return e}function _t(s,e=Wt(s)){let t=c=>e[c]?s.states[e[c]]:void 0;if(!Object.keys(e).some(c=>t(c)))return null;let n=t("ha_backup_last"),i=t("ha_backup_verification"),r=i?.state==="ok"||i?.state==="failed"?i.state:"unknown",o=t("ha_backup_problem")?.state,l=se(n),a=n?.attributes.size_bytes,u=n?.attributes.name,p=i?.attributes.message;return{status:o==="on"||r==="failed"?"failed":l===null?o==="off"?"never":"unknown":"ok",lastMs:l,nextMs:se(t("ha_backup_next")),sizeBytes:typeof a=="number"&&Number.isFinite(a)?a:null,name:typeof u=="string"&&u?u:null,verification:r,message:typeof p=="string"&&p?p:null,entities:e}}function bt(s,e){let t=s?.[e];if(!Array.isArray(t))return[];let n=[];for(let i of t){let r=i?.s,o=i.lu??i.lc,l=typeof r=="string"&&r.trim()!==""?Number(r):Number.NaN;!Number.isFinite(l)||typeof o!="number"||n.at(-1)?.bytes!==l&&n.push({ms:o*1e3,bytes:l})}return n.sort((i,r)=>i.ms-r.ms)}function vt(s,e,t){if(s.length===0)return"";let n=s.map(a=>a.bytes),i=Math.min(...n),r=Math.max(...n),o=a=>s.length===1?e/2:1+a*(e-2)/(s.length-1),l=a=>r===i?t/2:1+(r-a)*(t-2)/(r-i);return s.map((a,u)=>`${o(u).toFixed(1)},${l(a.bytes).toFixed(1)}`).join(" ")}var $t=ue`
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
    display: flex;
    align-items: center;
    gap: 4px;
    min-width: 0;
    color: var(--primary-text-color);
    font-weight: 500;
  }
  .name-text {
    min-width: 0;
    white-space: nowrap;
    overflow: hidden;
    text-overflow: ellipsis;
  }
  .mark {
    flex: none;
    --mdc-icon-size: 16px;
  }
  ha-icon.tone-error {
    color: var(--pvb-error);
  }
  ha-icon.tone-warn {
    color: var(--pvb-warn);
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
    flex-direction: column;
    gap: 4px;
    padding: 6px 0 4px 32px;
    font-size: 0.85em;
    color: var(--secondary-text-color);
    min-width: 0;
  }
  .sizes {
    display: flex;
    flex-wrap: wrap;
    align-items: center;
    gap: 4px 12px;
  }
  .fact {
    display: flex;
    align-items: flex-start;
    gap: 6px;
    color: var(--primary-text-color);
    line-height: 1.4;
    overflow-wrap: anywhere;
    min-width: 0;
  }
  .fact ha-icon {
    flex: none;
    --mdc-icon-size: 16px;
    color: var(--secondary-text-color);
  }
  /* A short phrase wraps as a whole; a failed check's message may wrap anywhere. */
  .fact span.tone-plain,
  .fact span.tone-ok,
  .fact span.tone-warn,
  .fact span.tone-muted {
    white-space: nowrap;
  }
  span.tone-ok {
    color: var(--pvb-ok);
    font-weight: 500;
  }
  span.tone-error {
    color: var(--pvb-error);
    font-weight: 500;
  }
  /* The warning colour (amber) is too light for text on a light card: a tinted pill instead. */
  span.tone-warn {
    color: var(--primary-text-color);
    background: color-mix(in srgb, var(--pvb-warn) 30%, transparent);
    box-shadow: inset 3px 0 0 var(--pvb-warn);
    border-radius: 3px;
    padding: 0 4px 0 6px;
    font-weight: 500;
  }
  span.tone-muted {
    color: var(--secondary-text-color);
    font-style: italic;
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
`;var qt=365*864e5,oe=160,re=32,Jt=Object.entries(ne).map(([s,e])=>`${e}.${C}_${s}`),ae={ok:{icon:"mdi:check-circle",color:"var(--pvb-ok)",label:"OK"},late:{icon:"mdi:clock-alert-outline",color:"var(--pvb-warn)",label:"Late"},failed:{icon:"mdi:alert-circle",color:"var(--pvb-error)",label:"Failed"},never:{icon:"mdi:close-circle-outline",color:"var(--pvb-error)",label:"Never backed up"},not_in_job:{icon:"mdi:calendar-remove-outline",color:"var(--pvb-warn)",label:"Not in a backup job"},running:{icon:"mdi:progress-upload",color:"var(--pvb-info)",label:"Running"},unknown:{icon:"mdi:help-circle-outline",color:"var(--pvb-muted)",label:"Unknown"}},Yt=6e4,le=class extends _{static styles=$t;static properties={preview:{type:Boolean},_config:{state:!0},_cat:{state:!0},_confirm:{state:!0},_pending:{state:!0},_now:{state:!0},_expanded:{state:!0},_sizes:{state:!0},_ha:{state:!0}};_hass;_ids=[];_idsFor;_seen=[];_timer;constructor(){super(),this._pending=new Map,this._now=Date.now(),this._expanded=new Set,this._sizes=new Map,this._ha=null}static getConfigElement(){return document.createElement("pve-backup-card-editor")}static getStubConfig(e){let{clusters:t}=Ae(e),n=t.length===1?t[0]:void 0;return{type:"custom:pve-backup-card",...n?.key?{cluster:n.key}:{},filter:"all",group_by:"none",columns:[...M],compact:!1}}setConfig(e){this._config=T(e),this.toggleAttribute("compact",this._config.compact)}get hass(){return this._hass}set hass(e){this._hass=e,e.entities!==this._idsFor&&(this._idsFor=e.entities,this._ids=Object.values(e.entities??{}).flatMap(n=>n?.platform===C?[n.entity_id]:[]),this._seen=[]);let t=[e.devices,e.locale];for(let n of this._ids)t.push(e.states[n]);for(let n of Jt)t.push(e.states[n]);t.length===this._seen.length&&t.every((n,i)=>n===this._seen[i])||(this._seen=t,this._cat=Ae(e),this._ha=_t(e),this._now=Date.now())}connectedCallback(){super.connectedCallback(),this._timer=setInterval(()=>{this._now=Date.now()},3e4)}disconnectedCallback(){super.disconnectedCallback(),clearInterval(this._timer)}getCardSize(){let e=this._cat?.guests.length??3;return 2+Math.ceil(e*(this._config?.compact?36:48)/50)}getGridOptions(){return{columns:12,min_columns:6,rows:"auto"}}willUpdate(e){if(!e.has("_cat"))return;for(let n of this._expanded){let i=this._cat?.guests.find(r=>r.deviceId===n);i&&this._loadSizes(i)}if(this._pending.size===0)return;let t=new Map(this._pending);for(let[n,i]of this._pending){let r=this._cat?.guests.find(o=>o.deviceId===n);(!r||r.status==="running"||r.lastBackupMs!==i.lastBackupMs||this._now-i.sinceMs>Yt)&&t.delete(n)}t.size!==this._pending.size&&(this._pending=t)}render(){let e=this._config;if(!e||!this._hass)return f;let t=this._cat??{guests:[],clusters:[]},n=e.cluster?t.clusters.filter(a=>ft(a,e.cluster)):t.clusters,i=new Set(n.map(a=>a.deviceId)),r=e.cluster?t.guests.filter(a=>a.clusterDeviceId&&i.has(a.clusterDeviceId)):t.guests,o=mt(r,e.group_by,e.filter==="problems"),l=new Set(e.columns);return this._labels.clear(),m`
      <ha-card>
        <div class="header">
          <h2 class="title">${e.title??"Backups"}</h2>
        </div>
        ${this._summary(n)}
        ${this._haBackup()}
        ${r.length===0?m`<div class="empty">
                ${t.guests.length===0?"No PVE Backup guests found. Set up the PVE Backup integration and start the add-on.":`No guests in cluster "${e.cluster}".`}
              </div>`:o.length===0?m`<div class="empty">No backup problems.</div>`:o.map(a=>m`
                    ${a.label===null?f:m`<div class="group" role="heading" aria-level="3">${this._groupLabel(a.label)} · ${a.guests.length}</div>`}
                    <ul>
                      ${nt(a.guests,u=>u.deviceId,u=>this._row(u,l))}
                    </ul>
                  `)}
        ${this._dialog()}
      </ha-card>
    `}_groupLabel(e){return this._config?.group_by==="status"?ae[e]?.label??e:e===""?"No tier":`Tier ${e}`}_summary(e){if(e.length===0)return f;let t=gt(e),n=this._hass?.locale?.language??"en",i=e.length===1?e[0]:void 0,r=(o,l,a,u,p)=>m`
      <button class="chip ${o}" title=${p} aria-label=${`${p}: ${a}`} @click=${()=>u&&this._moreInfo(u)}>
        <ha-icon icon=${l}></ha-icon><span>${a}</span>
      </button>
    `;return m`<div class="summary">
      ${r("good","mdi:check-circle",`${t.ok??"?"} OK`,i?.entities.problems,"Guests backed up")}
      ${r(t.problems?"bad":"","mdi:alert-circle-outline",`${t.problems??"?"} with problems`,i?.entities.problems,"Guests with backup problems")}
      ${r("","mdi:calendar-clock",`Next ${D(t.nextRunMs,this._now,n)}`,i?.entities.nextRun,"Next scheduled backup")}
      ${r("","mdi:harddisk",`${P(t.storageFreeBytes,n)} free`,i?.entities.storageFree,"Backup storage free")}
    </div>`}_row(e,t){let i=this._hass.locale?.language??"en",r=ae[e.status],o=e.entities.backup_status,l=this._statusLabel(e.status,o),a=this._pending.has(e.deviceId),u=e.status==="running"||a,p=this._expanded.has(e.deviceId),c=[];t.has("status")&&c.push(m`<span class="status-text">${l}</span>`),t.has("vmid")&&e.vmid!==null&&c.push(`${e.kind??""} ${e.vmid}`.trim()),t.has("tier")&&c.push(e.tier?`tier ${e.tier}`:"no tier"),e.reason&&e.problem&&c.push(m`<span class="reason">${e.reason}</span>`);let h=c.flatMap((y,B)=>B===0?[y]:[" \xB7 ",y]),d=lt(e.verification,e.copies),g=[d.checkFailed?"last check failed":"",d.noOffNas?"no copy off the NAS":""].filter(Boolean).join(", ");return m`
      <li class="row" style="--pvb-color:${r.color}" data-status=${e.status} data-vmid=${e.vmid??""}>
        <ha-icon class="status-icon" icon=${r.icon} aria-hidden="true"></ha-icon>
        <button class="main" @click=${()=>o&&this._moreInfo(o)} aria-label=${`${e.name}: ${l}${g?`, ${g}`:""}`}>
          <span class="name"><span class="name-text">${e.name}</span>${d.checkFailed?m`<ha-icon class="mark tone-error" data-mark="check-failed" icon="mdi:shield-alert" title="Last check failed"></ha-icon>`:f}${d.noOffNas?m`<ha-icon class="mark tone-warn" data-mark="no-off-nas" icon="mdi:cloud-off-outline" title="No copy off the NAS"></ha-icon>`:f}</span>
          <span class="sub">${h}</span>
        </button>
        <span class="meta">
          ${t.has("age")?m`<span class="age" title="Last backup">${D(e.lastBackupMs,this._now,i)}</span>`:f}
          ${t.has("size")?m`<span class="size" title="Backup size">${P(e.sizeBytes,i)}</span>`:f}
        </span>
        ${t.has("actions")&&e.entities.backup_now?m`<button class="act" ?disabled=${u||this.preview} @click=${()=>this._ask(e)} aria-label=${`Back up ${e.name} now`}>
                <ha-icon icon="mdi:content-save-outline"></ha-icon><span class="label">${u?e.status==="running"?"Running":"Starting":"Back up now"}</span>
              </button>`:m`<span></span>`}
        <button
          class="expand"
          aria-expanded=${p?"true":"false"}
          aria-controls=${`pvb-detail-${e.deviceId}`}
          aria-label=${`${p?"Hide":"Show"} copies, checks and archive sizes of ${e.name}`}
          @click=${()=>this._toggle(e)}
        >
          <ha-icon icon=${p?"mdi:chevron-up":"mdi:chevron-down"}></ha-icon>
        </button>
        ${u?m`<div class="bar" role="progressbar" aria-label=${`Backing up ${e.name}`}></div>`:f}
        ${p?this._detail(e,i):f}
      </li>
    `}_haBackup(){let e=this._ha;if(!e)return f;let t=this._hass?.locale?.language??"en",n=ae[e.status],i=e.status==="failed"?e.verification==="failed"?"Check failed":"Problem":e.status==="never"?"No backup found":n.label,r=[m`<span class="status-text">${i}</span>`];e.verification!=="unknown"&&r.push(e.verification==="ok"?"verified":"not verified"),e.nextMs!==null&&r.push(`next ${D(e.nextMs,this._now,t)}`),e.message&&e.status==="failed"&&r.push(m`<span class="reason">${e.message}</span>`);let o=e.entities.ha_backup_last??e.entities.ha_backup_problem??e.entities.ha_backup_verification;return m`<ul class="ha-backup">
      <li class="ha-row" style="--pvb-color:${n.color}" data-status=${e.status}>
        <ha-icon class="status-icon" icon="mdi:home-assistant" aria-hidden="true"></ha-icon>
        <button class="main" @click=${()=>o&&this._moreInfo(o)} aria-label=${`Home Assistant backups: ${i}`}>
          <span class="name">Home Assistant backups</span>
          <span class="sub">${r.flatMap((l,a)=>a===0?[l]:[" \xB7 ",l])}</span>
        </button>
        <span class="meta">
          <span class="age" title="Last backup">${D(e.lastMs,this._now,t)}</span>
          <span class="size" title="Backup size">${P(e.sizeBytes,t)}</span>
        </span>
      </li>
    </ul>`}_toggle(e){let t=new Set(this._expanded);t.has(e.deviceId)?t.delete(e.deviceId):(t.add(e.deviceId),this._loadSizes(e)),this._expanded=t}async _loadSizes(e){let t=e.entities.backup_size,n=this._hass;if(!t||!n)return;let i=n.states[t],r=`${i?.state}@${i?.last_updated??i?.last_changed??""}`,o=this._sizes.get(t);if(o&&o.stamp===r&&o.state!=="error")return;let l=a=>{this._sizes=new Map(this._sizes).set(t,a)};if(!n.callWS){l({state:"error",stamp:r,message:"Size history needs a newer Home Assistant frontend."});return}l({state:"loading",stamp:r});try{let a=await n.callWS({type:"history/history_during_period",start_time:new Date(Date.now()-qt).toISOString(),entity_ids:[t],minimal_response:!0,no_attributes:!0,significant_changes_only:!1});l({state:"loaded",stamp:r,points:bt(a,t)})}catch{l({state:"error",stamp:r,message:"No size history: Home Assistant's recorder and history are not available."})}}_detail(e,t){let n=e.entities.backup_size,i=n?this._sizes.get(n):void 0,r;if(!n)r="This guest has no backup size sensor.";else if(!i||i.state==="loading")r="Loading archive sizes\u2026";else if(i.state==="error")r=i.message;else if(i.points.length===0)r="No archive sizes recorded yet.";else{let o=i.points,l=o.map(h=>h.bytes),a=P(Math.min(...l),t),u=P(Math.max(...l),t),p=a===u?a:`${a} \u2013 ${u}`,c=o.length===1?`One archive size so far: ${a}`:`Archive sizes, ${o.length} changes since ${new Date(o[0]?.ms??0).toLocaleDateString(t)}: ${p}`;r=m`<svg class="spark" viewBox="0 0 ${oe} ${re}" width=${oe} height=${re} role="img" aria-label=${c} data-points=${o.length}>
          ${o.length===1?be`<circle cx=${oe/2} cy=${re/2} r="2.5"></circle>`:be`<polyline points=${vt(o,oe,re)}></polyline>`}
        </svg>
        <span class="spark-text">${o.length===1?`one size so far: ${a}`:`${p} \xB7 ${o.length} sizes`}</span>`}return m`<div class="detail" id=${`pvb-detail-${e.deviceId}`}>
      ${e.copies?m`<div class="fact" data-fact="copies">
              <ha-icon icon="mdi:layers-triple-outline" title="Copies (3-2-1)" aria-hidden="true"></ha-icon>
              <span>${xt(rt(e.copies,this._now))}</span>
            </div>`:f}
      ${e.verification===void 0?f:m`<div class="fact" data-fact="verification" data-result=${e.verification?.result??"never"}>
              <ha-icon
                icon=${e.verification?.result==="failed"?"mdi:shield-alert-outline":e.verification?.result==="ok"?"mdi:shield-check-outline":"mdi:shield-outline"}
                title="Last verification"
                aria-hidden="true"
              ></ha-icon>
              <span>${xt(at(e.verification,this._now))}</span>
            </div>`}
      <div class="sizes">${r}</div>
    </div>`}_labels=new Map;_statusLabel(e,t){let n=this._labels.get(e);if(n===void 0){let i=t?this._hass?.states[t]:void 0;n=i&&i.state===e&&this._hass?.formatEntityState?.(i)||ae[e].label,this._labels.set(e,n)}return n}_dialog(){let e=this._confirm;return m`<dialog @close=${()=>this._confirm=void 0} @cancel=${()=>this._confirm=void 0}>
      ${e?m`<h2>Back up ${e.name} now?</h2>
              <p>Starts one backup of ${e.kind??"guest"} ${e.vmid??""} in Proxmox VE, with its tier's settings.</p>
              <div class="buttons">
                <button class="cancel" @click=${this._closeDialog}>Cancel</button>
                <button class="confirm" @click=${()=>this._press(e)}>Back up now</button>
              </div>`:f}
    </dialog>`}async _ask(e){this._confirm=e,await this.updateComplete;let t=this.renderRoot.querySelector("dialog");t&&!t.open&&t.showModal(),this.renderRoot.querySelector("dialog button.confirm")?.focus()}_closeDialog=()=>{this.renderRoot.querySelector("dialog")?.close(),this._confirm=void 0};async _press(e){if(this._pending.has(e.deviceId)||!this._hass||!e.entities.backup_now)return this._closeDialog();this._pending=new Map(this._pending).set(e.deviceId,{sinceMs:Date.now(),lastBackupMs:e.lastBackupMs}),this._closeDialog();try{await this._hass.callService("button","press",{},{entity_id:e.entities.backup_now})}catch{let t=new Map(this._pending);t.delete(e.deviceId),this._pending=t}}_moreInfo(e){this.dispatchEvent(new CustomEvent("hass-more-info",{detail:{entityId:e},bubbles:!0,composed:!0}))}};function xt(s){return s.map((e,t)=>m`${t===0?f:" \xB7 "}<span class=${`tone-${e.tone}`}>${e.text}</span>`)}var H="pve-backup-card";function kt(){customElements.get(H)||customElements.define(H,le),customElements.get(`${H}-editor`)||customElements.define(`${H}-editor`,Q),window.customCards=window.customCards??[],window.customCards.some(s=>s.type===H)||window.customCards.push({type:H,name:"PVE Backup",description:"Backups of your Proxmox VE guests: status, age, size, problems first, and Back up now.",preview:!0,documentationURL:"https://github.com/pve-backup/pve-backup"})}kt();customElements.whenDefined("home-assistant").then(kt,()=>{});
