// standards_count.cypher — public standards per level against the plan: for every region $region
// (null = every province) and level ($level: 'province' | 'city' | 'county'), the number of valid,
// non-primary standards held by legal institutions of that level located in each region of that level
// inside it (the region itself included when it is of that level), averaged over those regions.
// A standard whose `established` date is after $as_of does not exist yet and is not counted.
// Returns: region, name, level, regions (how many regions of that level), total, average.
// Example: Shandong 2020 targets 320 (province), 140 (city average), 30 (county average).
// :param as_of => date('2026-09-30')
// :param region => null
// :param level => 'city'
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (r:Region {v: meta.version})
WHERE ($region IS NULL AND r.level = 'province') OR r.code = $region
MATCH (place:Region)-[:PART_OF*0..2]->(r)
WHERE place.level = $level
OPTIONAL MATCH (place)<-[:LOCATED_IN]-(i:Institution {kind: 'legal', level: $level})-[:HOLDS]->(s:Standard)
WHERE NOT s.primary AND s.status = 'in_service' AND s.certificate_expiry >= $as_of
  AND coalesce(s.established <= $as_of, true)
WITH r, place, count(s) AS n
RETURN r.code AS region, r.name AS name, $level AS level, count(place) AS regions, sum(n) AS total,
       toFloat(sum(n)) / count(place) AS average
ORDER BY region;
