var L=globalThis,G=L.ShadowRoot&&(L.ShadyCSS===void 0||L.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,se=Symbol(),we=new WeakMap,N=class{constructor(e,t,s){if(this._$cssResult$=!0,s!==se)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=e,this.t=t}get styleSheet(){let e=this.o,t=this.t;if(G&&e===void 0){let s=t!==void 0&&t.length===1;s&&(e=we.get(t)),e===void 0&&((this.o=e=new CSSStyleSheet).replaceSync(this.cssText),s&&we.set(t,e))}return e}toString(){return this.cssText}},Ae=n=>new N(typeof n=="string"?n:n+"",void 0,se),ne=(n,...e)=>{let t=n.length===1?n[0]:e.reduce((s,i,o)=>s+(r=>{if(r._$cssResult$===!0)return r.cssText;if(typeof r=="number")return r;throw Error("Value passed to 'css' function must be a 'css' function result: "+r+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+n[o+1],n[0]);return new N(t,n,se)},ke=(n,e)=>{if(G)n.adoptedStyleSheets=e.map(t=>t instanceof CSSStyleSheet?t:t.styleSheet);else for(let t of e){let s=document.createElement("style"),i=L.litNonce;i!==void 0&&s.setAttribute("nonce",i),s.textContent=t.cssText,n.appendChild(s)}},ie=G?n=>n:n=>n instanceof CSSStyleSheet?(e=>{let t="";for(let s of e.cssRules)t+=s.cssText;return Ae(t)})(n):n;var{is:at,defineProperty:lt,getOwnPropertyDescriptor:ct,getOwnPropertyNames:ut,getOwnPropertySymbols:dt,getPrototypeOf:pt}=Object,D=globalThis,Se=D.trustedTypes,ht=Se?Se.emptyScript:"",mt=D.reactiveElementPolyfillSupport,O=(n,e)=>n,re={toAttribute(n,e){switch(e){case Boolean:n=n?ht:null;break;case Object:case Array:n=n==null?n:JSON.stringify(n)}return n},fromAttribute(n,e){let t=n;switch(e){case Boolean:t=n!==null;break;case Number:t=n===null?null:Number(n);break;case Object:case Array:try{t=JSON.parse(n)}catch{t=null}}return t}},Ce=(n,e)=>!at(n,e),Ee={attribute:!0,type:String,converter:re,reflect:!1,useDefault:!1,hasChanged:Ce};Symbol.metadata??=Symbol("metadata"),D.litPropertyMetadata??=new WeakMap;var b=class extends HTMLElement{static addInitializer(e){this._$Ei(),(this.l??=[]).push(e)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(e,t=Ee){if(t.state&&(t.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(e)&&((t=Object.create(t)).wrapped=!0),this.elementProperties.set(e,t),!t.noAccessor){let s=Symbol(),i=this.getPropertyDescriptor(e,s,t);i!==void 0&&lt(this.prototype,e,i)}}static getPropertyDescriptor(e,t,s){let{get:i,set:o}=ct(this.prototype,e)??{get(){return this[t]},set(r){this[t]=r}};return{get:i,set(r){let l=i?.call(this);o?.call(this,r),this.requestUpdate(e,l,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(e){return this.elementProperties.get(e)??Ee}static _$Ei(){if(this.hasOwnProperty(O("elementProperties")))return;let e=pt(this);e.finalize(),e.l!==void 0&&(this.l=[...e.l]),this.elementProperties=new Map(e.elementProperties)}static finalize(){if(this.hasOwnProperty(O("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(O("properties"))){let t=this.properties,s=[...ut(t),...dt(t)];for(let i of s)this.createProperty(i,t[i])}let e=this[Symbol.metadata];if(e!==null){let t=litPropertyMetadata.get(e);if(t!==void 0)for(let[s,i]of t)this.elementProperties.set(s,i)}this._$Eh=new Map;for(let[t,s]of this.elementProperties){let i=this._$Eu(t,s);i!==void 0&&this._$Eh.set(i,t)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(e){let t=[];if(Array.isArray(e)){let s=new Set(e.flat(1/0).reverse());for(let i of s)t.unshift(ie(i))}else e!==void 0&&t.push(ie(e));return t}static _$Eu(e,t){let s=t.attribute;return s===!1?void 0:typeof s=="string"?s:typeof e=="string"?e.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(e=>this.enableUpdating=e),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(e=>e(this))}addController(e){(this._$EO??=new Set).add(e),this.renderRoot!==void 0&&this.isConnected&&e.hostConnected?.()}removeController(e){this._$EO?.delete(e)}_$E_(){let e=new Map,t=this.constructor.elementProperties;for(let s of t.keys())this.hasOwnProperty(s)&&(e.set(s,this[s]),delete this[s]);e.size>0&&(this._$Ep=e)}createRenderRoot(){let e=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return ke(e,this.constructor.elementStyles),e}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(e=>e.hostConnected?.())}enableUpdating(e){}disconnectedCallback(){this._$EO?.forEach(e=>e.hostDisconnected?.())}attributeChangedCallback(e,t,s){this._$AK(e,s)}_$ET(e,t){let s=this.constructor.elementProperties.get(e),i=this.constructor._$Eu(e,s);if(i!==void 0&&s.reflect===!0){let o=(s.converter?.toAttribute!==void 0?s.converter:re).toAttribute(t,s.type);this._$Em=e,o==null?this.removeAttribute(i):this.setAttribute(i,o),this._$Em=null}}_$AK(e,t){let s=this.constructor,i=s._$Eh.get(e);if(i!==void 0&&this._$Em!==i){let o=s.getPropertyOptions(i),r=typeof o.converter=="function"?{fromAttribute:o.converter}:o.converter?.fromAttribute!==void 0?o.converter:re;this._$Em=i;let l=r.fromAttribute(t,o.type);this[i]=l??this._$Ej?.get(i)??l,this._$Em=null}}requestUpdate(e,t,s,i=!1,o){if(e!==void 0){let r=this.constructor;if(i===!1&&(o=this[e]),s??=r.getPropertyOptions(e),!((s.hasChanged??Ce)(o,t)||s.useDefault&&s.reflect&&o===this._$Ej?.get(e)&&!this.hasAttribute(r._$Eu(e,s))))return;this.C(e,t,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(e,t,{useDefault:s,reflect:i,wrapped:o},r){s&&!(this._$Ej??=new Map).has(e)&&(this._$Ej.set(e,r??t??this[e]),o!==!0||r!==void 0)||(this._$AL.has(e)||(this.hasUpdated||s||(t=void 0),this._$AL.set(e,t)),i===!0&&this._$Em!==e&&(this._$Eq??=new Set).add(e))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(t){Promise.reject(t)}let e=this.scheduleUpdate();return e!=null&&await e,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,o]of this._$Ep)this[i]=o;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[i,o]of s){let{wrapped:r}=o,l=this[i];r!==!0||this._$AL.has(i)||l===void 0||this.C(i,void 0,o,l)}}let e=!1,t=this._$AL;try{e=this.shouldUpdate(t),e?(this.willUpdate(t),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(t)):this._$EM()}catch(s){throw e=!1,this._$EM(),s}e&&this._$AE(t)}willUpdate(e){}_$AE(e){this._$EO?.forEach(t=>t.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(e)),this.updated(e)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(e){return!0}update(e){this._$Eq&&=this._$Eq.forEach(t=>this._$ET(t,this[t])),this._$EM()}updated(e){}firstUpdated(e){}};b.elementStyles=[],b.shadowRootOptions={mode:"open"},b[O("elementProperties")]=new Map,b[O("finalized")]=new Map,mt?.({ReactiveElement:b}),(D.reactiveElementVersions??=[]).push("2.1.2");var ae=globalThis,Re=n=>n,z=ae.trustedTypes,Te=z?z.createPolicy("lit-html",{createHTML:n=>n}):void 0,le="$lit$",v=`lit$${Math.random().toFixed(9).slice(2)}$`,ce="?"+v,ft=`<${ce}>`,k=document,B=()=>k.createComment(""),U=n=>n===null||typeof n!="object"&&typeof n!="function",ue=Array.isArray,Be=n=>ue(n)||typeof n?.[Symbol.iterator]=="function",oe=`[ 	
\f\r]`,H=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Me=/-->/g,Pe=/>/g,w=RegExp(`>|${oe}(?:([^\\s"'>=/]+)(${oe}*=${oe}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Ne=/'/g,Oe=/"/g,Ue=/^(?:script|style|textarea|title)$/i,de=n=>(e,...t)=>({_$litType$:n,strings:e,values:t}),g=de(1),Mt=de(2),Pt=de(3),$=Symbol.for("lit-noChange"),m=Symbol.for("lit-nothing"),He=new WeakMap,A=k.createTreeWalker(k,129);function Ie(n,e){if(!ue(n)||!n.hasOwnProperty("raw"))throw Error("invalid template strings array");return Te!==void 0?Te.createHTML(e):e}var Le=(n,e)=>{let t=n.length-1,s=[],i,o=e===2?"<svg>":e===3?"<math>":"",r=H;for(let l=0;l<t;l++){let a=n[l],u,h,c=-1,p=0;for(;p<a.length&&(r.lastIndex=p,h=r.exec(a),h!==null);)p=r.lastIndex,r===H?h[1]==="!--"?r=Me:h[1]!==void 0?r=Pe:h[2]!==void 0?(Ue.test(h[2])&&(i=RegExp("</"+h[2],"g")),r=w):h[3]!==void 0&&(r=w):r===w?h[0]===">"?(r=i??H,c=-1):h[1]===void 0?c=-2:(c=r.lastIndex-h[2].length,u=h[1],r=h[3]===void 0?w:h[3]==='"'?Oe:Ne):r===Oe||r===Ne?r=w:r===Me||r===Pe?r=H:(r=w,i=void 0);let d=r===w&&n[l+1].startsWith("/>")?" ":"";o+=r===H?a+ft:c>=0?(s.push(u),a.slice(0,c)+le+a.slice(c)+v+d):a+v+(c===-2?l:d)}return[Ie(n,o+(n[t]||"<?>")+(e===2?"</svg>":e===3?"</math>":"")),s]},I=class n{constructor({strings:e,_$litType$:t},s){let i;this.parts=[];let o=0,r=0,l=e.length-1,a=this.parts,[u,h]=Le(e,t);if(this.el=n.createElement(u,s),A.currentNode=this.el.content,t===2||t===3){let c=this.el.content.firstChild;c.replaceWith(...c.childNodes)}for(;(i=A.nextNode())!==null&&a.length<l;){if(i.nodeType===1){if(i.hasAttributes())for(let c of i.getAttributeNames())if(c.endsWith(le)){let p=h[r++],d=i.getAttribute(c).split(v),f=/([.?@])?(.*)/.exec(p);a.push({type:1,index:o,name:f[2],strings:d,ctor:f[1]==="."?F:f[1]==="?"?V:f[1]==="@"?K:E}),i.removeAttribute(c)}else c.startsWith(v)&&(a.push({type:6,index:o}),i.removeAttribute(c));if(Ue.test(i.tagName)){let c=i.textContent.split(v),p=c.length-1;if(p>0){i.textContent=z?z.emptyScript:"";for(let d=0;d<p;d++)i.append(c[d],B()),A.nextNode(),a.push({type:2,index:++o});i.append(c[p],B())}}}else if(i.nodeType===8)if(i.data===ce)a.push({type:2,index:o});else{let c=-1;for(;(c=i.data.indexOf(v,c+1))!==-1;)a.push({type:7,index:o}),c+=v.length-1}o++}}static createElement(e,t){let s=k.createElement("template");return s.innerHTML=e,s}};function S(n,e,t=n,s){if(e===$)return e;let i=s!==void 0?t._$Co?.[s]:t._$Cl,o=U(e)?void 0:e._$litDirective$;return i?.constructor!==o&&(i?._$AO?.(!1),o===void 0?i=void 0:(i=new o(n),i._$AT(n,t,s)),s!==void 0?(t._$Co??=[])[s]=i:t._$Cl=i),i!==void 0&&(e=S(n,i._$AS(n,e.values),i,s)),e}var j=class{constructor(e,t){this._$AV=[],this._$AN=void 0,this._$AD=e,this._$AM=t}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(e){let{el:{content:t},parts:s}=this._$AD,i=(e?.creationScope??k).importNode(t,!0);A.currentNode=i;let o=A.nextNode(),r=0,l=0,a=s[0];for(;a!==void 0;){if(r===a.index){let u;a.type===2?u=new C(o,o.nextSibling,this,e):a.type===1?u=new a.ctor(o,a.name,a.strings,this,e):a.type===6&&(u=new q(o,this,e)),this._$AV.push(u),a=s[++l]}r!==a?.index&&(o=A.nextNode(),r++)}return A.currentNode=k,i}p(e){let t=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(e,s,t),t+=s.strings.length-2):s._$AI(e[t])),t++}},C=class n{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(e,t,s,i){this.type=2,this._$AH=m,this._$AN=void 0,this._$AA=e,this._$AB=t,this._$AM=s,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let e=this._$AA.parentNode,t=this._$AM;return t!==void 0&&e?.nodeType===11&&(e=t.parentNode),e}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(e,t=this){e=S(this,e,t),U(e)?e===m||e==null||e===""?(this._$AH!==m&&this._$AR(),this._$AH=m):e!==this._$AH&&e!==$&&this._(e):e._$litType$!==void 0?this.$(e):e.nodeType!==void 0?this.T(e):Be(e)?this.k(e):this._(e)}O(e){return this._$AA.parentNode.insertBefore(e,this._$AB)}T(e){this._$AH!==e&&(this._$AR(),this._$AH=this.O(e))}_(e){this._$AH!==m&&U(this._$AH)?this._$AA.nextSibling.data=e:this.T(k.createTextNode(e)),this._$AH=e}$(e){let{values:t,_$litType$:s}=e,i=typeof s=="number"?this._$AC(e):(s.el===void 0&&(s.el=I.createElement(Ie(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===i)this._$AH.p(t);else{let o=new j(i,this),r=o.u(this.options);o.p(t),this.T(r),this._$AH=o}}_$AC(e){let t=He.get(e.strings);return t===void 0&&He.set(e.strings,t=new I(e)),t}k(e){ue(this._$AH)||(this._$AH=[],this._$AR());let t=this._$AH,s,i=0;for(let o of e)i===t.length?t.push(s=new n(this.O(B()),this.O(B()),this,this.options)):s=t[i],s._$AI(o),i++;i<t.length&&(this._$AR(s&&s._$AB.nextSibling,i),t.length=i)}_$AR(e=this._$AA.nextSibling,t){for(this._$AP?.(!1,!0,t);e!==this._$AB;){let s=Re(e).nextSibling;Re(e).remove(),e=s}}setConnected(e){this._$AM===void 0&&(this._$Cv=e,this._$AP?.(e))}},E=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(e,t,s,i,o){this.type=1,this._$AH=m,this._$AN=void 0,this.element=e,this.name=t,this._$AM=i,this.options=o,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=m}_$AI(e,t=this,s,i){let o=this.strings,r=!1;if(o===void 0)e=S(this,e,t,0),r=!U(e)||e!==this._$AH&&e!==$,r&&(this._$AH=e);else{let l=e,a,u;for(e=o[0],a=0;a<o.length-1;a++)u=S(this,l[s+a],t,a),u===$&&(u=this._$AH[a]),r||=!U(u)||u!==this._$AH[a],u===m?e=m:e!==m&&(e+=(u??"")+o[a+1]),this._$AH[a]=u}r&&!i&&this.j(e)}j(e){e===m?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,e??"")}},F=class extends E{constructor(){super(...arguments),this.type=3}j(e){this.element[this.name]=e===m?void 0:e}},V=class extends E{constructor(){super(...arguments),this.type=4}j(e){this.element.toggleAttribute(this.name,!!e&&e!==m)}},K=class extends E{constructor(e,t,s,i,o){super(e,t,s,i,o),this.type=5}_$AI(e,t=this){if((e=S(this,e,t,0)??m)===$)return;let s=this._$AH,i=e===m&&s!==m||e.capture!==s.capture||e.once!==s.once||e.passive!==s.passive,o=e!==m&&(s===m||i);i&&this.element.removeEventListener(this.name,this,s),o&&this.element.addEventListener(this.name,this,e),this._$AH=e}handleEvent(e){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,e):this._$AH.handleEvent(e)}},q=class{constructor(e,t,s){this.element=e,this.type=6,this._$AN=void 0,this._$AM=t,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(e){S(this,e)}},Ge={M:le,P:v,A:ce,C:1,L:Le,R:j,D:Be,V:S,I:C,H:E,N:V,U:K,B:F,F:q},gt=ae.litHtmlPolyfillSupport;gt?.(I,C),(ae.litHtmlVersions??=[]).push("3.3.3");var De=(n,e,t)=>{let s=t?.renderBefore??e,i=s._$litPart$;if(i===void 0){let o=t?.renderBefore??null;s._$litPart$=i=new C(e.insertBefore(B(),o),o,void 0,t??{})}return i._$AI(n),i};var pe=globalThis,y=class extends b{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let e=super.createRenderRoot();return this.renderOptions.renderBefore??=e.firstChild,e}update(e){let t=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(e),this._$Do=De(t,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return $}};y._$litElement$=!0,y.finalized=!0,pe.litElementHydrateSupport?.({LitElement:y});var yt=pe.litElementPolyfillSupport;yt?.({LitElement:y});(pe.litElementVersions??=[]).push("4.2.2");var R=["vmid","tier","status","age","size","actions"],ze=["all","problems"],je=["none","tier","status"];function he(n,e,t,s){if(n==null||n==="")return s;if(typeof n=="string"&&e.includes(n))return n;throw new Error(`pve-backup-card: ${t} must be one of ${e.join(", ")}; got ${JSON.stringify(n)}.`)}function T(n){if(typeof n!="object"||n===null||Array.isArray(n))throw new Error("pve-backup-card: the card's configuration must be a mapping of options.");let e=n;for(let s of["title","cluster"])if(e[s]!==void 0&&e[s]!==null&&typeof e[s]!="string")throw new Error(`pve-backup-card: ${s} must be text; got ${JSON.stringify(e[s])}.`);if(e.compact!==void 0&&typeof e.compact!="boolean")throw new Error(`pve-backup-card: compact must be true or false; got ${JSON.stringify(e.compact)}.`);let t=[...R];if(e.columns!==void 0&&e.columns!==null){if(!Array.isArray(e.columns))throw new Error(`pve-backup-card: columns must be a list of ${R.join(", ")}.`);t=e.columns.map(s=>he(s,R,"each column","status"))}return{type:typeof e.type=="string"?e.type:"custom:pve-backup-card",...typeof e.title=="string"&&e.title?{title:e.title}:{},...typeof e.cluster=="string"&&e.cluster?{cluster:e.cluster}:{},filter:he(e.filter,ze,"filter","all"),group_by:he(e.group_by,je,"group_by","none"),columns:t,compact:e.compact===!0}}function Fe(){let n=(e,t)=>e.map(s=>({value:s,label:t[s]??s}));return{schema:[{name:"title",selector:{text:{}}},{name:"cluster",selector:{device:{filter:{integration:"pve_backup",model:"Cluster"}}}},{type:"grid",name:"",schema:[{name:"filter",selector:{select:{mode:"dropdown",options:n(ze,{all:"All guests",problems:"Only problems"})}}},{name:"group_by",selector:{select:{mode:"dropdown",options:n(je,{none:"No grouping",tier:"Tier",status:"Status"})}}}]},{name:"columns",selector:{select:{multiple:!0,mode:"list",options:n(R,{vmid:"VM/CT id",tier:"Tier",status:"Status",age:"Age of last backup",size:"Backup size",actions:"Back up now button"})}}},{name:"compact",selector:{boolean:{}}}],assertConfig:e=>{T(e)},computeLabel:e=>({title:"Title",cluster:"Cluster (all when empty)",filter:"Show",group_by:"Group by",columns:"Columns",compact:"Compact rows"})[e.name]}}var W=class extends y{static properties={hass:{attribute:!1},_config:{state:!0}};setConfig(e){T(e),this._config=e}render(){if(!this._config)return g``;let e=Fe(),t=T(this._config);return g`<ha-form
      .hass=${this.hass}
      .data=${t}
      .schema=${e.schema}
      .computeLabel=${e.computeLabel}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(e){e.stopPropagation();let t={...this._config,...e.detail.value};for(let[s,i]of Object.entries(t))(i===void 0||i==="")&&delete t[s];this._config=t,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:t},bubbles:!0,composed:!0}))}};var Ve={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},Ke=n=>(...e)=>({_$litDirective$:n,values:e}),J=class{constructor(e){}get _$AU(){return this._$AM._$AU}_$AT(e,t,s){this._$Ct=e,this._$AM=t,this._$Ci=s}_$AS(e,t){return this.update(e,t)}update(e,t){return this.render(...t)}};var{I:_t}=Ge,qe=n=>n;var We=()=>document.createComment(""),M=(n,e,t)=>{let s=n._$AA.parentNode,i=e===void 0?n._$AB:e._$AA;if(t===void 0){let o=s.insertBefore(We(),i),r=s.insertBefore(We(),i);t=new _t(o,r,n,n.options)}else{let o=t._$AB.nextSibling,r=t._$AM,l=r!==n;if(l){let a;t._$AQ?.(n),t._$AM=n,t._$AP!==void 0&&(a=n._$AU)!==r._$AU&&t._$AP(a)}if(o!==i||l){let a=t._$AA;for(;a!==o;){let u=qe(a).nextSibling;qe(s).insertBefore(a,i),a=u}}}return t},x=(n,e,t=n)=>(n._$AI(e,t),n),bt={},Je=(n,e=bt)=>n._$AH=e,Ye=n=>n._$AH,Y=n=>{n._$AR(),n._$AA.remove()};var Qe=(n,e,t)=>{let s=new Map;for(let i=e;i<=t;i++)s.set(n[i],i);return s},Ze=Ke(class extends J{constructor(n){if(super(n),n.type!==Ve.CHILD)throw Error("repeat() can only be used in text expressions")}dt(n,e,t){let s;t===void 0?t=e:e!==void 0&&(s=e);let i=[],o=[],r=0;for(let l of n)i[r]=s?s(l,r):r,o[r]=t(l,r),r++;return{values:o,keys:i}}render(n,e,t){return this.dt(n,e,t).values}update(n,[e,t,s]){let i=Ye(n),{values:o,keys:r}=this.dt(e,t,s);if(!Array.isArray(i))return this.ut=r,o;let l=this.ut??=[],a=[],u,h,c=0,p=i.length-1,d=0,f=o.length-1;for(;c<=p&&d<=f;)if(i[c]===null)c++;else if(i[p]===null)p--;else if(l[c]===r[d])a[d]=x(i[c],o[d]),c++,d++;else if(l[p]===r[f])a[f]=x(i[p],o[f]),p--,f--;else if(l[c]===r[f])a[f]=x(i[c],o[f]),M(n,a[f+1],i[c]),c++,f--;else if(l[p]===r[d])a[d]=x(i[p],o[d]),M(n,i[c],i[p]),p--,d++;else if(u===void 0&&(u=Qe(r,d,f),h=Qe(l,c,p)),u.has(l[c]))if(u.has(l[p])){let _=h.get(r[d]),te=_!==void 0?i[_]:null;if(te===null){let xe=M(n,i[c]);x(xe,o[d]),a[d]=xe}else a[d]=x(te,o[d]),M(n,i[c],te),i[_]=null;d++}else Y(i[p]),p--;else Y(i[c]),c++;for(;d<=f;){let _=M(n,a[f+1]);x(_,o[d]),a[d++]=_}for(;c<=p;){let _=i[c++];_!==null&&Y(_)}return this.ut=r,Je(n,a),$}});var Z="pve_backup",Q=["failed","late","never","not_in_job","unknown","running","ok"],vt=["last_backup","backup_status","backup_problem","backup_size","backup_now","tier"],$t=n=>n!=null&&vt.includes(n),X=new Set(["unknown","unavailable",""]);function me(n){if(!n||X.has(n.state))return null;let e=Number(n.state);return Number.isFinite(e)?e:null}function et(n){if(!n||X.has(n.state))return null;let e=Date.parse(n.state);return Number.isNaN(e)?null:e}function xt(n){let e=n?.state;return Q.includes(e??"")?e:"unknown"}function fe(n){return n?.identifiers?.find(([e])=>e===Z)?.[1]??null}function wt(n){let e=n?.name_by_user??n?.name??"",t=/^(.*) \((VM|CT) (\d+)\)$/.exec(n?.name??""),s=/_(\d+)$/.exec(fe(n)??"")?.[1],i=s?Number(s):t?Number(t[3]):null;return{name:(n?.name_by_user??(t?t[1]:e))||(i===null?"?":String(i)),vmid:i,kind:t?t[2]:null}}function ye(n){let e=new Map,t=new Map;for(let r of Object.values(n.entities??{}))if(!(!r||r.platform!==Z||!r.device_id))if($t(r.translation_key)){let l=e.get(r.device_id)??{};l[r.translation_key]=r.entity_id,e.set(r.device_id,l)}else{let l=t.get(r.device_id)??[];l.push(r.entity_id),t.set(r.device_id,l)}let s=[],i=new Set;for(let[r,l]of e){let a=n.devices?.[r],u=f=>l[f]?n.states[l[f]]:void 0,h=xt(u("backup_status")),c=u("tier")?.state,p=a?.via_device_id??null;p&&i.add(p);let d=u("backup_status")?.attributes.reason;s.push({deviceId:r,clusterDeviceId:p,...wt(a),status:h,problem:u("backup_problem")?.state==="on",reason:typeof d=="string"&&d?d:null,tier:c&&!X.has(c)&&c!=="none"?c:null,lastBackupMs:et(u("last_backup")),sizeBytes:me(u("backup_size")),entities:l})}for(let r of t.keys())e.has(r)||i.add(r);let o=[...i].map(r=>At(n,r,t.get(r)??[]));return{guests:s,clusters:o}}function At(n,e,t){let s=n.devices?.[e],i={};for(let l of t){let a=n.states[l];if(!l.startsWith("sensor.")||!a)continue;let u=a.attributes.device_class;u==="timestamp"?i.nextRun=l:u==="data_size"?i.storageFree=l:Array.isArray(a.attributes.problems)&&(i.problems=l)}let o=i.problems?n.states[i.problems]:void 0,r=o?.attributes.ok;return{deviceId:e,key:fe(s),name:s?.name_by_user??s?.name??fe(s)??e,ok:typeof r=="number"&&!X.has(o?.state??"")?r:null,problems:me(o),nextRunMs:et(i.nextRun?n.states[i.nextRun]:void 0),storageFreeBytes:me(i.storageFree?n.states[i.storageFree]:void 0),entities:i}}function tt(n,e){return n.deviceId===e||n.key===e||n.name===e}var ge=n=>n.problem?0:n.status==="unknown"?1:n.status==="running"?2:3,kt=(n,e)=>ge(n)-ge(e)||Q.indexOf(n.status)-Q.indexOf(e.status)||it().compare(n.name,e.name)||(n.vmid??0)-(e.vmid??0);function st(n,e,t){let s=n.filter(r=>!t||r.problem||r.status==="unknown").sort(kt);if(e==="none")return s.length?[{key:"all",label:null,guests:s}]:[];let i=new Map;for(let r of s){let l=e==="tier"?r.tier??"":r.status;i.set(l,[...i.get(l)??[],r])}let o=(r,l)=>e==="status"?Q.indexOf(r):Math.min(...l.map(ge))*1e3+(r===""?999:0);return[...i.entries()].sort(([r,l],[a,u])=>o(r,l)-o(a,u)||it().compare(r,a)).map(([r,l])=>({key:r,label:r,guests:l}))}function nt(n){let e=s=>s.some(i=>i===null)||!s.length?null:s.reduce((i,o)=>(i??0)+(o??0),0),t=s=>{let i=s.filter(o=>o!==null);return i.length?Math.min(...i):null};return{ok:e(n.map(s=>s.ok)),problems:e(n.map(s=>s.problems)),nextRunMs:t(n.map(s=>s.nextRunMs)),storageFreeBytes:t(n.map(s=>s.storageFreeBytes))}}var Xe=new Map;function _e(n,e){let t=Xe.get(n);return t||(t=e(),Xe.set(n,t)),t}var it=()=>_e("collator",()=>new Intl.Collator(void 0,{numeric:!0}));function be(n,e="en"){if(n===null)return"\u2014";let t=["B","kB","MB","GB","TB","PB"],s=n,i=0;for(;Math.abs(s)>=1e3&&i<t.length-1;)s/=1e3,i++;let o=i===0||s>=100?0:1;return`${_e(`n:${e}:${o}`,()=>new Intl.NumberFormat(e,{maximumFractionDigits:o})).format(s)} ${t[i]}`}function ve(n,e,t="en"){if(n===null)return"\u2014";let s=(n-e)/1e3,i=[["second",60],["minute",60],["hour",24],["day",30],["month",12],["year",Number.POSITIVE_INFINITY]],o=s;for(let[r,l]of i){if(Math.abs(o)<l)return _e(`r:${t}`,()=>new Intl.RelativeTimeFormat(t,{numeric:"auto"})).format(Math.round(o),r);o/=l}return"\u2014"}var rt=ne`
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
  li.row {
    position: relative;
    display: grid;
    grid-template-columns: auto minmax(0, 1fr) auto auto;
    align-items: center;
    gap: 0 10px;
    padding: 6px 8px 6px 16px;
    min-height: 48px;
    box-sizing: border-box;
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
`;var $e={ok:{icon:"mdi:check-circle",color:"var(--pvb-ok)",label:"OK"},late:{icon:"mdi:clock-alert-outline",color:"var(--pvb-warn)",label:"Late"},failed:{icon:"mdi:alert-circle",color:"var(--pvb-error)",label:"Failed"},never:{icon:"mdi:close-circle-outline",color:"var(--pvb-error)",label:"Never backed up"},not_in_job:{icon:"mdi:calendar-remove-outline",color:"var(--pvb-warn)",label:"Not in a backup job"},running:{icon:"mdi:progress-upload",color:"var(--pvb-info)",label:"Running"},unknown:{icon:"mdi:help-circle-outline",color:"var(--pvb-muted)",label:"Unknown"}},St=6e4,ee=class extends y{static styles=rt;static properties={preview:{type:Boolean},_config:{state:!0},_cat:{state:!0},_confirm:{state:!0},_pending:{state:!0},_now:{state:!0}};_hass;_ids=[];_idsFor;_seen=[];_timer;constructor(){super(),this._pending=new Map,this._now=Date.now()}static getConfigElement(){return document.createElement("pve-backup-card-editor")}static getStubConfig(e){let{clusters:t}=ye(e),s=t.length===1?t[0]:void 0;return{type:"custom:pve-backup-card",...s?.key?{cluster:s.key}:{},filter:"all",group_by:"none",columns:[...R],compact:!1}}setConfig(e){this._config=T(e),this.toggleAttribute("compact",this._config.compact)}get hass(){return this._hass}set hass(e){this._hass=e,e.entities!==this._idsFor&&(this._idsFor=e.entities,this._ids=Object.values(e.entities??{}).flatMap(s=>s?.platform===Z?[s.entity_id]:[]),this._seen=[]);let t=[e.devices,e.locale];for(let s of this._ids)t.push(e.states[s]);t.length===this._seen.length&&t.every((s,i)=>s===this._seen[i])||(this._seen=t,this._cat=ye(e),this._now=Date.now())}connectedCallback(){super.connectedCallback(),this._timer=setInterval(()=>{this._now=Date.now()},3e4)}disconnectedCallback(){super.disconnectedCallback(),clearInterval(this._timer)}getCardSize(){let e=this._cat?.guests.length??3;return 2+Math.ceil(e*(this._config?.compact?36:48)/50)}getGridOptions(){return{columns:12,min_columns:6,rows:"auto"}}willUpdate(e){if(!e.has("_cat")||this._pending.size===0)return;let t=new Map(this._pending);for(let[s,i]of this._pending){let o=this._cat?.guests.find(r=>r.deviceId===s);(!o||o.status==="running"||o.lastBackupMs!==i.lastBackupMs||this._now-i.sinceMs>St)&&t.delete(s)}t.size!==this._pending.size&&(this._pending=t)}render(){let e=this._config;if(!e||!this._hass)return m;let t=this._cat??{guests:[],clusters:[]},s=e.cluster?t.clusters.filter(a=>tt(a,e.cluster)):t.clusters,i=new Set(s.map(a=>a.deviceId)),o=e.cluster?t.guests.filter(a=>a.clusterDeviceId&&i.has(a.clusterDeviceId)):t.guests,r=st(o,e.group_by,e.filter==="problems"),l=new Set(e.columns);return this._labels.clear(),g`
      <ha-card>
        <div class="header">
          <h2 class="title">${e.title??"Backups"}</h2>
        </div>
        ${this._summary(s)}
        ${o.length===0?g`<div class="empty">
                ${t.guests.length===0?"No PVE Backup guests found. Set up the PVE Backup integration and start the add-on.":`No guests in cluster "${e.cluster}".`}
              </div>`:r.length===0?g`<div class="empty">No backup problems.</div>`:r.map(a=>g`
                    ${a.label===null?m:g`<div class="group" role="heading" aria-level="3">${this._groupLabel(a.label)} · ${a.guests.length}</div>`}
                    <ul>
                      ${Ze(a.guests,u=>u.deviceId,u=>this._row(u,l))}
                    </ul>
                  `)}
        ${this._dialog()}
      </ha-card>
    `}_groupLabel(e){return this._config?.group_by==="status"?$e[e]?.label??e:e===""?"No tier":`Tier ${e}`}_summary(e){if(e.length===0)return m;let t=nt(e),s=this._hass?.locale?.language??"en",i=e.length===1?e[0]:void 0,o=(r,l,a,u,h)=>g`
      <button class="chip ${r}" title=${h} aria-label=${`${h}: ${a}`} @click=${()=>u&&this._moreInfo(u)}>
        <ha-icon icon=${l}></ha-icon><span>${a}</span>
      </button>
    `;return g`<div class="summary">
      ${o("good","mdi:check-circle",`${t.ok??"?"} OK`,i?.entities.problems,"Guests backed up")}
      ${o(t.problems?"bad":"","mdi:alert-circle-outline",`${t.problems??"?"} with problems`,i?.entities.problems,"Guests with backup problems")}
      ${o("","mdi:calendar-clock",`Next ${ve(t.nextRunMs,this._now,s)}`,i?.entities.nextRun,"Next scheduled backup")}
      ${o("","mdi:harddisk",`${be(t.storageFreeBytes,s)} free`,i?.entities.storageFree,"Backup storage free")}
    </div>`}_row(e,t){let i=this._hass.locale?.language??"en",o=$e[e.status],r=e.entities.backup_status,l=this._statusLabel(e.status,r),a=this._pending.has(e.deviceId),u=e.status==="running"||a,h=[];t.has("status")&&h.push(g`<span class="status-text">${l}</span>`),t.has("vmid")&&e.vmid!==null&&h.push(`${e.kind??""} ${e.vmid}`.trim()),t.has("tier")&&h.push(e.tier?`tier ${e.tier}`:"no tier"),e.reason&&e.problem&&h.push(g`<span class="reason">${e.reason}</span>`);let c=h.flatMap((p,d)=>d===0?[p]:[" \xB7 ",p]);return g`
      <li class="row" style="--pvb-color:${o.color}" data-status=${e.status} data-vmid=${e.vmid??""}>
        <ha-icon class="status-icon" icon=${o.icon} aria-hidden="true"></ha-icon>
        <button class="main" @click=${()=>r&&this._moreInfo(r)} aria-label=${`${e.name}: ${l}`}>
          <span class="name">${e.name}</span>
          <span class="sub">${c}</span>
        </button>
        <span class="meta">
          ${t.has("age")?g`<span class="age" title="Last backup">${ve(e.lastBackupMs,this._now,i)}</span>`:m}
          ${t.has("size")?g`<span class="size" title="Backup size">${be(e.sizeBytes,i)}</span>`:m}
        </span>
        ${t.has("actions")&&e.entities.backup_now?g`<button class="act" ?disabled=${u||this.preview} @click=${()=>this._ask(e)} aria-label=${`Back up ${e.name} now`}>
                <ha-icon icon="mdi:content-save-outline"></ha-icon><span class="label">${u?e.status==="running"?"Running":"Starting":"Back up now"}</span>
              </button>`:g`<span></span>`}
        ${u?g`<div class="bar" role="progressbar" aria-label=${`Backing up ${e.name}`}></div>`:m}
      </li>
    `}_labels=new Map;_statusLabel(e,t){let s=this._labels.get(e);if(s===void 0){let i=t?this._hass?.states[t]:void 0;s=i&&i.state===e&&this._hass?.formatEntityState?.(i)||$e[e].label,this._labels.set(e,s)}return s}_dialog(){let e=this._confirm;return g`<dialog @close=${()=>this._confirm=void 0} @cancel=${()=>this._confirm=void 0}>
      ${e?g`<h2>Back up ${e.name} now?</h2>
              <p>Starts one backup of ${e.kind??"guest"} ${e.vmid??""} in Proxmox VE, with its tier's settings.</p>
              <div class="buttons">
                <button class="cancel" @click=${this._closeDialog}>Cancel</button>
                <button class="confirm" @click=${()=>this._press(e)}>Back up now</button>
              </div>`:m}
    </dialog>`}async _ask(e){this._confirm=e,await this.updateComplete;let t=this.renderRoot.querySelector("dialog");t&&!t.open&&t.showModal(),this.renderRoot.querySelector("dialog button.confirm")?.focus()}_closeDialog=()=>{this.renderRoot.querySelector("dialog")?.close(),this._confirm=void 0};async _press(e){if(this._pending.has(e.deviceId)||!this._hass||!e.entities.backup_now)return this._closeDialog();this._pending=new Map(this._pending).set(e.deviceId,{sinceMs:Date.now(),lastBackupMs:e.lastBackupMs}),this._closeDialog();try{await this._hass.callService("button","press",{},{entity_id:e.entities.backup_now})}catch{let t=new Map(this._pending);t.delete(e.deviceId),this._pending=t}}_moreInfo(e){this.dispatchEvent(new CustomEvent("hass-more-info",{detail:{entityId:e},bubbles:!0,composed:!0}))}};var P="pve-backup-card";function ot(){customElements.get(P)||customElements.define(P,ee),customElements.get(`${P}-editor`)||customElements.define(`${P}-editor`,W),window.customCards=window.customCards??[],window.customCards.some(n=>n.type===P)||window.customCards.push({type:P,name:"PVE Backup",description:"Backups of your Proxmox VE guests: status, age, size, problems first, and Back up now.",preview:!0,documentationURL:"https://github.com/pve-backup/pve-backup"})}ot();customElements.whenDefined("home-assistant").then(ot,()=>{});
