// Text for Leaflet: tooltips and popups given a string insert it as HTML, so a shop named
// `<meta http-equiv=refresh …>` once redirected the supervisor's browser from the patrol
// map. Every string that reaches a tooltip or popup goes through here as a text node.
export function asText(value) {
  const el = document.createElement('span')
  el.textContent = value == null ? '' : String(value)
  return el
}
