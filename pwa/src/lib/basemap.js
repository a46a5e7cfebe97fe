// The base map under every Leaflet map of the app. Tiles are optional configuration
// (/app-config.json: none, Tianditu with a key, AMap...); with none, or offline, the grid
// polygons are the map. A GCJ-02 tile source (AMap) gets our WGS-84 data converted for
// drawing, and clicks converted back: stored coordinates are WGS-84 always.
import L from 'leaflet'
import 'leaflet/dist/leaflet.css'
import { gcj02ToWgs84, wgs84ToGcj02 } from './gcj02.js'

import { mapConfig } from './mapconfig.js'

export { mapConfig, tileUrls } from './mapconfig.js'

export function projection(crs) {
  if (crs === 'gcj02') {
    return {
      crs,
      toMap: (lat, lon) => { const [x, y] = wgs84ToGcj02(lon, lat); return L.latLng(y, x) },
      fromMap: (ll) => { const [lon, lat] = gcj02ToWgs84(ll.lng, ll.lat); return { lat, lon } },
    }
  }
  return { crs: 'wgs84', toMap: (lat, lon) => L.latLng(lat, lon), fromMap: (ll) => ({ lat: ll.lat, lon: ll.lng }) }
}

/** Options for L.geoJSON that draw WGS-84 GeoJSON in the map's frame. */
export function geoJsonOptions(proj, options = {}) {
  return { ...options, coordsToLatLng: (c) => proj.toMap(c[1], c[0]) }
}

/** Add the configured tile layer, if any; the projection to draw with. */
export async function addBaseLayer(map) {
  // the attribution names the map's sources in words, no flag icon (Leaflet 1.9's default prefix)
  map.attributionControl?.setPrefix('Leaflet')
  const cfg = await mapConfig()
  if (cfg.basemap) {
    // the jurisdiction's own map (MBTiles, WGS-84 web tiles), kept by the service worker offline
    L.tileLayer(cfg.basemap.tile_url, {
      attribution: cfg.basemap.attribution || cfg.basemap.name, minZoom: 3, maxZoom: 19,
      minNativeZoom: cfg.basemap.minzoom, maxNativeZoom: cfg.basemap.maxzoom, // scaled beyond the zooms the file holds
      className: 'zs-basemap',
    }).addTo(map)
    return projection('wgs84')
  }
  if (!cfg.map_tile_url) return projection('wgs84')
  L.tileLayer(cfg.map_tile_url, {
    attribution: cfg.map_tile_attribution || '', maxZoom: 19,
    subdomains: cfg.map_tile_subdomains || 'abc',
  }).addTo(map)
  return projection(cfg.map_tile_crs === 'gcj02' ? 'gcj02' : 'wgs84')
}
