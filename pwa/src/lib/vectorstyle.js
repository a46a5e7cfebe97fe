// How the jurisdiction's vector base map is drawn (protomaps-leaflet paint and label rules).
// Read in the sun, on a phone: light land, blue water, dark roads that get darker and wider
// as they get more important, labels of 13 px and more with a white halo.
//
// Two common layer schemas are drawn by the same rules:
//   Protomaps basemap: earth, water, landuse, landcover, natural, roads, buildings, places
//   OpenMapTiles:      water, waterway, landcover, landuse, park, transportation,
//                      transportation_name, building, place, water_name
// A feature's class is `kind` (Protomaps) or `class` (OpenMapTiles). Layers that are in
// neither are not drawn; the grids and the officer's own data stay on top (Leaflet's
// overlay pane is above the tile pane).
//
// The renderer's classes come in as `P` (the protomaps-leaflet module, loaded only when the
// base map is vector): this module imports nothing, so a node test can give it stand-ins.

export const COLOURS = {
  land: '#f6f4ef',
  residential: '#ece8e1',
  industrial: '#e9e2ec',
  green: '#cde6c0',
  wood: '#b6d9a8',
  farmland: '#eef0d6',
  water: '#7fb6e8',
  waterway: '#4a8fd1',
  building: '#d8d1c7',
  buildingEdge: '#a89e90',
  road: { major: '#262626', medium: '#3d3d3d', minor: '#5c5c5c', path: '#6f6f6f', rail: '#4d4d4d' },
  label: '#111111',
  roadLabel: '#222222',
  waterLabel: '#0f4c8a',
  halo: '#ffffff',
}

const FONT = 'sans-serif' // the phone's own: it has the Chinese glyphs
const NAMES = ['name', 'name:zh', 'name:zh-Hans', 'name_zh', 'name:latin', 'name_en', 'name:en']

const POLYGON = 3
const LINE = 2
const POINT = 1

/** A feature's class in either schema. */
export function classOf(props) {
  return String(props.kind ?? props.class ?? props.subclass ?? '')
}

// road classes of both schemas → how important they are
const ROAD_RANK = {
  highway: 'major', motorway: 'major', trunk: 'major', major_road: 'major', primary: 'major',
  medium_road: 'medium', secondary: 'medium', tertiary: 'medium', busway: 'medium',
  minor_road: 'minor', minor: 'minor', service: 'minor', other: 'minor', raceway: 'minor',
  path: 'path', track: 'path', pier: 'path', bridleway: 'path', footway: 'path', cycleway: 'path', steps: 'path',
  rail: 'rail', transit: 'rail', subway: 'rail', light_rail: 'rail',
}

/** major / medium / minor / path / rail (unknown classes are drawn as minor roads). */
export function roadRank(props) {
  return ROAD_RANK[classOf(props)] || ROAD_RANK[String(props.kind_detail ?? '')] || 'minor'
}

const GREEN = new Set(['park', 'grass', 'garden', 'meadow', 'playground', 'pitch', 'golf_course', 'recreation_ground', 'village_green',
  'nature_reserve', 'national_park', 'protected_area', 'cemetery', 'scrub', 'grassland'])
const WOOD = new Set(['wood', 'forest', 'orchard'])
const FARM = new Set(['farmland', 'farm', 'farmyard', 'allotments', 'vineyard'])
const BUILT = new Set(['residential', 'suburb', 'neighbourhood', 'quarter'])
const WORK = new Set(['industrial', 'commercial', 'retail', 'railway', 'military', 'hospital', 'school', 'university', 'college'])

/** The fill of a land-use or land-cover area, or null (not drawn). */
export function landFill(props) {
  const c = classOf(props)
  if (WOOD.has(c)) return COLOURS.wood
  if (GREEN.has(c)) return COLOURS.green
  if (FARM.has(c)) return COLOURS.farmland
  if (BUILT.has(c)) return COLOURS.residential
  if (WORK.has(c)) return COLOURS.industrial
  if (c === 'water' || c === 'wetland' || c === 'basin' || c === 'reservoir') return COLOURS.water
  return null
}

// line widths by zoom (the display zoom Leaflet asks for), per rank
const WIDTHS = {
  major: [[12, 1.5], [14, 3], [16, 7], [18, 16]],
  medium: [[12, 1], [14, 2.2], [16, 5], [18, 12]],
  minor: [[13, 0.6], [15, 1.4], [16, 3], [18, 8]],
  path: [[14, 0.6], [16, 1.2], [18, 2.5]],
  rail: [[12, 0.8], [16, 1.6], [18, 3]],
}
const MIN_ZOOM = { major: 0, medium: 10, minor: 13, path: 14, rail: 11 }

const PLACE_SIZE = { city: 18, town: 17, locality: 17, region: 17, village: 15, suburb: 15, district: 15, county: 17 }
const PLACE_MIN_ZOOM = { city: 0, town: 8, locality: 0, region: 0, county: 8, village: 11, suburb: 11, district: 11 }

const is = (geomType) => (z, f) => f.geomType === geomType
const inLayer = (layers, rule) => layers.map((dataLayer) => ({ ...rule, dataLayer, id: `${dataLayer}-${rule.id}` }))

/** The paint rules, in drawing order: land, water, buildings, roads (minor first). */
export function paintRules(P) {
  const fill = (f) => landFill(f.props) || 'rgba(0,0,0,0)'
  const roads = ['major', 'medium', 'minor', 'path', 'rail'].reverse().flatMap((rank) => inLayer(['roads', 'transportation'], {
    id: rank,
    minzoom: MIN_ZOOM[rank],
    filter: (z, f) => f.geomType === LINE && roadRank(f.props) === rank,
    symbolizer: new P.LineSymbolizer({
      color: COLOURS.road[rank], width: P.exp(1.6, WIDTHS[rank]), lineCap: rank === 'rail' ? 'butt' : 'round', lineJoin: 'round',
      ...(rank === 'path' || rank === 'rail' ? { dash: [4, 3], dashColor: COLOURS.road[rank], dashWidth: P.exp(1.6, WIDTHS[rank]) } : {}),
    }),
  }))
  return [
    { id: 'earth', dataLayer: 'earth', filter: is(POLYGON), symbolizer: new P.PolygonSymbolizer({ fill: COLOURS.land }) },
    ...inLayer(['landuse', 'landcover', 'park', 'natural'], {
      id: 'area',
      filter: (z, f) => f.geomType === POLYGON && landFill(f.props) !== null,
      symbolizer: new P.PolygonSymbolizer({ fill: (z, f) => fill(f) }),
    }),
    { id: 'water', dataLayer: 'water', filter: is(POLYGON), symbolizer: new P.PolygonSymbolizer({ fill: COLOURS.water }) },
    ...inLayer(['water', 'waterway'], {
      id: 'waterline',
      filter: is(LINE),
      symbolizer: new P.LineSymbolizer({ color: COLOURS.waterway, width: P.exp(1.6, [[12, 1], [16, 3], [18, 6]]), lineCap: 'round' }),
    }),
    ...inLayer(['buildings', 'building'], {
      id: 'fill',
      minzoom: 14,
      filter: is(POLYGON),
      symbolizer: new P.PolygonSymbolizer({ fill: COLOURS.building, stroke: COLOURS.buildingEdge, width: 0.6 }),
    }),
    ...roads,
  ]
}

/** The label rules: place names first (they win a collision), then roads, then water. */
export function labelRules(P) {
  const halo = { fill: COLOURS.label, stroke: COLOURS.halo, width: 3, fontFamily: FONT, labelProps: NAMES }
  return [
    ...inLayer(['places', 'place'], {
      id: 'name',
      filter: (z, f) => f.geomType === POINT && z >= (PLACE_MIN_ZOOM[classOf(f.props)] ?? 13),
      symbolizer: new P.CenteredTextSymbolizer({
        ...halo, fontWeight: 600, fontSize: (z, f) => (f ? PLACE_SIZE[classOf(f.props)] || 14 : 14),
      }),
      sort: (a, b) => (PLACE_SIZE[classOf(b)] || 14) - (PLACE_SIZE[classOf(a)] || 14),
    }),
    ...inLayer(['roads', 'transportation_name'], {
      id: 'name',
      minzoom: 14,
      filter: (z, f) => f.geomType === LINE,
      symbolizer: new P.LineLabelSymbolizer({ ...halo, fill: COLOURS.roadLabel, fontSize: 13, fontWeight: 500 }),
    }),
    ...inLayer(['water_name', 'water'], {
      id: 'name',
      minzoom: 13,
      filter: (z, f) => f.geomType === POINT,
      symbolizer: new P.CenteredTextSymbolizer({ ...halo, fill: COLOURS.waterLabel, fontSize: 13, fontStyle: 'italic' }),
    }),
  ]
}
