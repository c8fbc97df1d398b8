// coverage.cypher — the coverage figures of every region (or of $region and its subtree) and filter at $as_of.
// Returns one row per (region, filter) that has demand items: region, name, level, filter, items,
// covered_items, coverage, instruments, covered_instruments, weighted_coverage, annual_load.
// Regions and filters without items have no row (their rates are null). capacity_rate needs a max-flow:
// tracegraph computes it in Python from covering.cypher's rows (`tracegraph coverage --neo4j` prints
// every figure). annual_load is summed in exact integers (load_factor = 12 * load_scale / period) then
// divided once.
// How: one breadth-first walk down from the valid primary standards through valid links (valid:
// traceable.cypher) finds the traceable standards once; from each, its institution's reach (own region
// and below, national ones only their `serves`) gives the demand items it covers; every item is then
// counted once per region above it and per filter in a single aggregation.
// :param as_of => date('2026-09-30')
// :param region => null
MATCH (meta:TracegraphMeta {name: 'current'})
CALL (meta) {
  MATCH (:Region {v: meta.version, level: 'county'})-[n:NEEDS]->(:InstrumentType)
  WHERE n.count > 0
  RETURN n, 0 AS covered
  UNION ALL
  MATCH (p:Standard {v: meta.version, primary: true})
  WHERE p.status = 'in_service' AND coalesce(p.established <= $as_of, true)
  MATCH (p) (()<-[l:TRACES_TO]-(x:Standard)
             WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
               AND x.status = 'in_service' AND coalesce(x.established <= $as_of, true)
               AND (x.primary OR x.certificate_expiry >= $as_of))* (s:Standard)
  WITH DISTINCT s
  MATCH (i:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)
  WITH DISTINCT i, t
  MATCH (i)-[reach:LOCATED_IN|SERVES]->(:Region)<-[:PART_OF*0..2]-(:Region)-[n:NEEDS]->(t)
  WHERE (type(reach) = 'SERVES' OR i.level <> 'national') AND n.count > 0
  RETURN DISTINCT n, 1 AS covered
}
WITH meta, n, max(covered) AS covered
WITH meta, startNode(n) AS c, n, endNode(n) AS t, covered
MATCH (c)-[:PART_OF*0..2]->(r:Region)
WHERE $region IS NULL OR EXISTS { MATCH (r)-[:PART_OF*0..2]->(:Region {code: $region}) }
UNWIND ['all', 'domain:' + t.domain]
       + CASE WHEN t.household_meter THEN ['household_meter'] ELSE [] END
       + CASE WHEN t.mandatory THEN ['mandatory'] ELSE [] END AS filter
WITH meta, r, filter, count(*) AS items, sum(covered) AS covered_items,
     sum(n.count) AS instruments, sum(covered * n.count) AS covered_instruments,
     sum(n.count * t.load_factor) AS load
RETURN r.code AS region, r.name AS name, r.level AS level, filter, items, covered_items,
       toFloat(covered_items) / items AS coverage, instruments, covered_instruments,
       CASE WHEN instruments = 0 THEN null ELSE toFloat(covered_instruments) / instruments END AS weighted_coverage,
       toFloat(load) / meta.load_scale AS annual_load
ORDER BY region, filter;
