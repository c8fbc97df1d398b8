// service_items.cypher — verification and calibration service items (检定、校准项目) against the plan:
// for every region $region (null = every province), the number of distinct (institution, instrument
// type) pairs where the institution is a legal institution in its subtree (of level $level when given:
// 'province' | 'city' | 'county'; null = every level) holding a standard that is traceable at $as_of,
// not primary, and verifies the type.
// Returns: region, name, level, items. Validity of standards and links as in traceable.cypher.
// Examples: Zaozhuang 2020 "检定、校准项目总数达到410项", Shandong 2020 "总数达到20000项".
// :param as_of => date('2026-09-30')
// :param region => null
// :param level => null
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (r:Region {v: meta.version})
WHERE ($region IS NULL AND r.level = 'province') OR r.code = $region
// The traceable standards, found once (as in traceable.cypher).
CALL (meta) {
  MATCH (p:Standard {v: meta.version, primary: true})
  WHERE p.status = 'in_service' AND coalesce(p.established <= $as_of, true)
  MATCH (p) (()<-[l:TRACES_TO]-(x:Standard)
             WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
               AND x.status = 'in_service' AND coalesce(x.established <= $as_of, true)
               AND (x.primary OR x.certificate_expiry >= $as_of))* (s:Standard)
  WITH DISTINCT s
  WHERE NOT s.primary
  RETURN collect(s) AS traceable
}
OPTIONAL MATCH (r)<-[:PART_OF*0..2]-(:Region)<-[:LOCATED_IN]-(i:Institution {kind: 'legal'})-[:HOLDS]->(s:Standard)
      -[:VERIFIES]->(t:InstrumentType)
WHERE ($level IS NULL OR i.level = $level) AND s IN traceable
WITH r, count(DISTINCT CASE WHEN t IS NULL THEN null ELSE [i.id, t.code] END) AS items
RETURN r.code AS region, r.name AS name, $level AS level, items
ORDER BY region;
