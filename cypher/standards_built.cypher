// standards_built.cypher — standards built since a year against the plan: for every region $region
// (null = every province), the number of valid, non-primary standards held by legal institutions in
// its subtree (of level $level when given: 'province' | 'city' | 'county'; null = every level) whose
// `established` date (建标日期) lies on or after 1 January of $since and not after $as_of.
// A standard without `established` is not counted.
// Returns: region, name, since, level, built.
// Example: Jilin 2013–2020 "新建计量标准200项" = since 2013, built ≥ 200.
// :param as_of => date('2026-09-30')
// :param region => null
// :param since => 2021
// :param level => null
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (r:Region {v: meta.version})
WHERE ($region IS NULL AND r.level = 'province') OR r.code = $region
OPTIONAL MATCH (r)<-[:PART_OF*0..2]-(:Region)<-[:LOCATED_IN]-(i:Institution {kind: 'legal'})-[:HOLDS]->(s:Standard)
WHERE ($level IS NULL OR i.level = $level)
  AND NOT s.primary AND s.status = 'in_service' AND s.certificate_expiry >= $as_of
  AND s.established >= date({year: $since, month: 1, day: 1}) AND s.established <= $as_of
WITH r, count(DISTINCT s) AS built
RETURN r.code AS region, r.name AS name, $since AS since, $level AS level, built
ORDER BY region;
