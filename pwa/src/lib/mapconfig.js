// What the server says about maps (/app-config.json: the offline base map, tile sources),
// kept for offline starts, and the tiles of the offline base map to download. No Leaflet
// here: Settings uses it without loading the map library.

let config

// the configuration is kept for offline starts: the last one the server gave
export function mapConfig() {
  config ||= fetch('/app-config.json', { cache: 'no-store' }).then((r) => r.json())
    .then((c) => { localStorage.setItem('zs-app-config', JSON.stringify(c)); return c })
    .catch(() => JSON.parse(localStorage.getItem('zs-app-config') || '{}'))
  return config
}

/** The tiles of the offline base map inside its bounds, zoom by zoom (at most `cap`): what
 *  "download the base map" fetches so the service worker keeps them. */
export function tileUrls(basemap, cap = 6000) {
  const [w, s, e, n] = basemap.bounds || [-180, -85, 180, 85]
  const lon2x = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z)
  const lat2y = (lat, z) => Math.floor(((1 - Math.log(Math.tan((lat * Math.PI) / 180) + 1 / Math.cos((lat * Math.PI) / 180)) / Math.PI) / 2) * 2 ** z)
  const out = []
  for (let z = basemap.minzoom; z <= basemap.maxzoom; z++) {
    for (let x = lon2x(w, z); x <= lon2x(e, z); x++) {
      for (let y = lat2y(n, z); y <= lat2y(s, z); y++) {
        out.push(basemap.tile_url.replace('{z}', z).replace('{x}', x).replace('{y}', y))
        if (out.length >= cap) return out
      }
    }
  }
  return out
}

