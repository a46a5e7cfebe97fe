// The base map under every Leaflet map of the app. Tiles are optional configuration
// (/app-config.json: none, Tianditu with a key, AMap...); with none, or offline, the grid
// polygons are the map. A GCJ-02 tile source (AMap) gets our WGS-84 data converted for
// drawing, and clicks converted back: stored coordinates are WGS-84 always.
// The jurisdiction's own map (an administrator's MBTiles or PMTiles) is raster images or
// vector tiles; vector tiles are drawn by protomaps-leaflet, loaded only then (its own chunk:
// the first screen does not carry it) with the rules of vectorstyle.js.
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

// Leaflet shows attributions as HTML; the file's own (an uploaded file's metadata) is shown as text
function attributionOf(basemap) {
  const text = String(basemap.attribution || basemap.name || '').replace(/<[^>]*>/g, '')
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)
}

// the file's bounds, so that no tile is asked for where it has none (offline, every such ask fails)
function boundsOf(basemap) {
  const b = basemap.bounds
  return b ? L.latLngBounds([b[1], b[0]], [b[3], b[2]]) : undefined
}

/** The vector base map, drawn on canvas tiles by protomaps-leaflet (loaded now, not before).
 *  The tiles come from the same URL as raster ones, so the service worker keeps them alike.
 *  Data tile z is drawn at map zoom z on 256-pixel tiles, like a raster map's (levelDiff 0:
 *  protomaps-leaflet's default of 1 would leave the file's first zoom, often the one that fits
 *  a street's grids on a phone, blank), overzoomed past the file's deepest zoom; shallower
 *  than its first zoom the grids are the map. */
export async function addVectorLayer(map, basemap) {
  let gone = false
  map.once('unload', () => { gone = true })
  try {
    const [P, style] = await Promise.all([import('protomaps-leaflet'), import('./vectorstyle.js')])
    if (gone) return null
    globalThis.L ||= L // protomaps-leaflet extends the global Leaflet's GridLayer
    return P.leafletLayer({
      url: basemap.tile_url, levelDiff: 0, maxDataZoom: basemap.maxzoom, minZoom: basemap.minzoom, maxZoom: 19,
      bounds: boundsOf(basemap), paintRules: style.paintRules(P), labelRules: style.labelRules(P), backgroundColor: style.COLOURS.land,
      devicePixelRatio: Math.min(2, window.devicePixelRatio || 1), // sharp enough, and a third of the work of 3×
      attribution: attributionOf(basemap), className: 'zs-basemap zs-basemap-vector',
    }).addTo(map)
  } catch (err) {
    console.warn('vector base map not drawn', err) // the grids are the map, as with no base map
    return null
  }
}

/** Add the configured tile layer, if any; the projection to draw with. */
export async function addBaseLayer(map) {
  // the attribution names the map's sources in words, no flag icon (Leaflet 1.9's default prefix)
  map.attributionControl?.setPrefix('Leaflet')
  const cfg = await mapConfig()
  if (cfg.basemap) {
    // the jurisdiction's own map (WGS-84 web tiles), kept by the service worker offline
    if (cfg.basemap.kind === 'vector') {
      addVectorLayer(map, cfg.basemap) // not awaited: the grids and the officer's data do not wait for the renderer
    } else {
      L.tileLayer(cfg.basemap.tile_url, {
        attribution: attributionOf(cfg.basemap), minZoom: 3, maxZoom: 19, bounds: boundsOf(cfg.basemap),
        minNativeZoom: cfg.basemap.minzoom, maxNativeZoom: cfg.basemap.maxzoom, // scaled beyond the zooms the file holds
        className: 'zs-basemap',
      }).addTo(map)
    }
    return projection('wgs84')
  }
  if (!cfg.map_tile_url) return projection('wgs84')
  L.tileLayer(cfg.map_tile_url, {
    attribution: cfg.map_tile_attribution || '', maxZoom: 19,
    subdomains: cfg.map_tile_subdomains || 'abc',
  }).addTo(map)
  return projection(cfg.map_tile_crs === 'gcj02' ? 'gcj02' : 'wgs84')
}
