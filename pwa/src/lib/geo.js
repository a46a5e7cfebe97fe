// Small geometry for the phone: which cached grid a fix falls in, and distances.

function inRing(lon, lat, ring) {
  let inside = false
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i]
    const [xj, yj] = ring[j]
    if ((yi > lat) !== (yj > lat) && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside
  }
  return inside
}

function inPolygon(lon, lat, rings) {
  if (!rings.length || !inRing(lon, lat, rings[0])) return false
  return !rings.slice(1).some((hole) => inRing(lon, lat, hole))
}

/** The grid feature (from the cached FeatureCollection) containing the point, or null. */
export function gridAt(collection, lat, lon) {
  for (const f of collection?.features || []) {
    const g = f.geometry
    if (!g) continue
    const polys = g.type === 'Polygon' ? [g.coordinates] : g.type === 'MultiPolygon' ? g.coordinates : []
    if (polys.some((rings) => inPolygon(lon, lat, rings))) return f
  }
  return null
}

/** Whether a point lies in a GeoJSON (Multi)Polygon; null when there is no geometry to ask (§22). */
export function inGeometry(geometry, lat, lon) {
  if (!geometry) return null
  const polys = geometry.type === 'Polygon' ? [geometry.coordinates] : geometry.type === 'MultiPolygon' ? geometry.coordinates : []
  return polys.some((rings) => inPolygon(lon, lat, rings))
}

/** Great-circle distance in metres. */
export function distanceM(a, b) {
  const R = 6371008.8
  const rad = Math.PI / 180
  const dLat = (b.lat - a.lat) * rad
  const dLon = (b.lon - a.lon) * rad
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * rad) * Math.cos(b.lat * rad) * Math.sin(dLon / 2) ** 2
  return 2 * R * Math.asin(Math.sqrt(h))
}

export const POOR_ACCURACY_M = 50

/** One fix in the shape the server takes (track_points). */
export function fixFrom(position) {
  const c = position.coords
  return {
    t: Math.round(position.timestamp || Date.now()),
    lat: c.latitude,
    lon: c.longitude,
    accuracy: c.accuracy,
    speed: Number.isFinite(c.speed) ? c.speed : null,
    heading: Number.isFinite(c.heading) ? c.heading : null,
  }
}

/** A single fix now (photo capture, inspection, ticket place), or null after `timeoutMs`. */
export function currentFix(timeoutMs = 8000) {
  return new Promise((resolve) => {
    if (!navigator.geolocation) return resolve(null)
    navigator.geolocation.getCurrentPosition((p) => resolve(fixFrom(p)), () => resolve(null),
      { enableHighAccuracy: true, timeout: timeoutMs, maximumAge: 5000 })
  })
}
