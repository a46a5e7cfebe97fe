// Prints the PWA's GCJ-02 conversion of the points given as JSON in argv[2], for
// tests/unit/test_pwa_gcj02.py to compare with geo/gcj02.py.
import { wgs84ToGcj02, gcj02ToWgs84 } from '../src/lib/gcj02.js'

const points = JSON.parse(process.argv[2])
console.log(JSON.stringify(points.map(([lon, lat]) => ({ fwd: wgs84ToGcj02(lon, lat), back: gcj02ToWgs84(...wgs84ToGcj02(lon, lat)) }))))
