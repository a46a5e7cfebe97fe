// WGS-84 ↔ GCJ-02, the port of geo/gcj02.py (tests/unit/test_pwa_gcj02.py holds the two to
// the same numbers). Data stays WGS-84; it is converted only to draw on a GCJ-02 base map
// (AMap and other Chinese commercial maps), and a point clicked on such a map is converted
// back. Tianditu (CGCS2000) needs no conversion.
const A = 6378245.0
const EE = 0.00669342162296594323

export function inChina(lon, lat) {
  return lon >= 72.004 && lon <= 137.8347 && lat >= 0.8293 && lat <= 55.8271
}

function transformLat(x, y) {
  let ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x))
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0
  ret += ((20.0 * Math.sin(y * Math.PI) + 40.0 * Math.sin((y / 3.0) * Math.PI)) * 2.0) / 3.0
  ret += ((160.0 * Math.sin((y / 12.0) * Math.PI) + 320 * Math.sin((y * Math.PI) / 30.0)) * 2.0) / 3.0
  return ret
}

function transformLon(x, y) {
  let ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x))
  ret += ((20.0 * Math.sin(6.0 * x * Math.PI) + 20.0 * Math.sin(2.0 * x * Math.PI)) * 2.0) / 3.0
  ret += ((20.0 * Math.sin(x * Math.PI) + 40.0 * Math.sin((x / 3.0) * Math.PI)) * 2.0) / 3.0
  ret += ((150.0 * Math.sin((x / 12.0) * Math.PI) + 300.0 * Math.sin((x / 30.0) * Math.PI)) * 2.0) / 3.0
  return ret
}

/** [lon, lat] in GCJ-02 of a WGS-84 point (outside China: unchanged). */
export function wgs84ToGcj02(lon, lat) {
  if (!inChina(lon, lat)) return [lon, lat]
  let dlat = transformLat(lon - 105.0, lat - 35.0)
  let dlon = transformLon(lon - 105.0, lat - 35.0)
  const radlat = (lat / 180.0) * Math.PI
  const magic = 1 - EE * Math.sin(radlat) ** 2
  const sqrtmagic = Math.sqrt(magic)
  dlat = (dlat * 180.0) / (((A * (1 - EE)) / (magic * sqrtmagic)) * Math.PI)
  dlon = (dlon * 180.0) / ((A / sqrtmagic) * Math.cos(radlat) * Math.PI)
  return [lon + dlon, lat + dlat]
}

/** [lon, lat] in WGS-84 of a GCJ-02 point: fixed-point iteration (no closed inverse). */
export function gcj02ToWgs84(lon, lat, toleranceDeg = 1e-9, maxIter = 30) {
  if (!inChina(lon, lat)) return [lon, lat]
  let wlon = lon
  let wlat = lat
  for (let i = 0; i < maxIter; i++) {
    const [glon, glat] = wgs84ToGcj02(wlon, wlat)
    const dlon = glon - lon
    const dlat = glat - lat
    wlon -= dlon
    wlat -= dlat
    if (Math.abs(dlon) < toleranceDeg && Math.abs(dlat) < toleranceDeg) break
  }
  return [wlon, wlat]
}
