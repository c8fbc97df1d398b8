// service_items.cypher — verification and calibration service items (检定、校准项目) against the plan:
// for every region $region (null = every province), the number of distinct (institution, instrument
// type) pairs where the institution is a legal institution in its subtree (of level $level when given:
// 'province' | 'city' | 'county'; null = every level) holding a standard that is traceable at $as_of,
// not primary, and verifies the type.
// Returns: region, name, level, items.
// Examples: Zaozhuang 2020 "检定、校准项目总数达到410项", Shandong 2020 "总数达到20000项".
// :param as_of => date('2026-01-01')
// :param region => null
// :param level => null
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (r:Region {v: meta.version})
WHERE ($region IS NULL AND r.level = 'province') OR r.code = $region
OPTIONAL MATCH (r)<-[:PART_OF*0..2]-(:Region)<-[:LOCATED_IN]-(i:Institution {kind: 'legal'})-[:HOLDS]->(s:Standard)
      -[:VERIFIES]->(t:InstrumentType)
WHERE ($level IS NULL OR i.level = $level)
  AND NOT s.primary AND s.status = 'in_service' AND s.certificate_expiry >= $as_of
  AND EXISTS {
    MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
    WHERE p.primary
  }
WITH r, count(DISTINCT CASE WHEN t IS NULL THEN null ELSE [i.id, t.code] END) AS items
RETURN r.code AS region, r.name AS name, $level AS level, items
ORDER BY region;
