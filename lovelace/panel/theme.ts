/**
 * Inside Home Assistant the panel is an ingress page in an iframe of the same origin: the
 * theme's variables are read from the frontend's document and set on the element, so the panel
 * follows the user's theme and dark mode. Outside (or if the parent is not readable) nothing is
 * copied and the stylesheet's light/dark defaults apply.
 */
const THEME_VARS = [
  "--primary-color",
  "--accent-color",
  "--primary-text-color",
  "--secondary-text-color",
  "--disabled-text-color",
  "--divider-color",
  "--error-color",
  "--warning-color",
  "--success-color",
  "--info-color",
  "--card-background-color",
  "--primary-background-color",
  "--secondary-background-color",
  "--ha-card-background",
  "--ha-card-border-radius",
  "--ha-card-border-color",
  "--ha-card-border-width",
  "--ha-card-box-shadow",
  "--paper-font-body1_-_font-family",
];

/** Copy Home Assistant's theme onto `el`; true when the parent frontend had one. */
export function adoptHaTheme(el: HTMLElement): boolean {
  let parentRoot: HTMLElement;
  try {
    if (window.parent === window) return false;
    parentRoot = window.parent.document.documentElement;
  } catch {
    // A parent of another origin: no theme to read, the defaults apply.
    return false;
  }
  const style = window.parent.getComputedStyle(parentRoot);
  let found = false;
  for (const name of THEME_VARS) {
    const value = style.getPropertyValue(name).trim();
    if (value) {
      el.style.setProperty(name, value);
      found = true;
    }
  }
  if (found) el.setAttribute("data-ha", "");
  return found;
}
