// coverage.cypher — the coverage figures of every region (or of $region and its subtree) and filter at $as_of.
// Returns one row per (region, filter) that has demand items: region, name, level, filter, items,
// covered_items, coverage, instruments, covered_instruments, weighted_coverage, annual_load.
// Regions and filters without items have no row (their rates are null). capacity_rate needs a max-flow:
// tracegraph computes it from covering.cypher (`tracegraph coverage --neo4j` prints every figure).
// annual_load is summed in exact integers (load_factor = 12 * load_scale / period) then divided once.
// :param as_of => date('2026-01-01')
// :param region => null
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (c:Region {v: meta.version, level: 'county'})-[n:NEEDS]->(t:InstrumentType)
WHERE n.count > 0
WITH meta, c, n, t, EXISTS {
  MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(i:Institution)-[:HOLDS]->(s:Standard)
        -[:VERIFIES]->(t)
  WHERE (type(reach) = 'SERVES' OR i.level <> 'national')
    AND s.status = 'in_service' AND (s.primary OR s.certificate_expiry >= $as_of)
    AND EXISTS {
      MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
                 WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                   AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
      WHERE p.primary
    }
} AS covered
MATCH (c)-[:PART_OF*0..2]->(r:Region)
WHERE $region IS NULL OR EXISTS { MATCH (r)-[:PART_OF*0..2]->(:Region {code: $region}) }
UNWIND ['all', 'domain:' + t.domain]
       + CASE WHEN t.household_meter THEN ['household_meter'] ELSE [] END
       + CASE WHEN t.mandatory THEN ['mandatory'] ELSE [] END AS filter
WITH meta, r, filter, count(*) AS items, sum(CASE WHEN covered THEN 1 ELSE 0 END) AS covered_items,
     sum(n.count) AS instruments, sum(CASE WHEN covered THEN n.count ELSE 0 END) AS covered_instruments,
     sum(n.count * t.load_factor) AS load
RETURN r.code AS region, r.name AS name, r.level AS level, filter, items, covered_items,
       toFloat(covered_items) / items AS coverage, instruments, covered_instruments,
       CASE WHEN instruments = 0 THEN null ELSE toFloat(covered_instruments) / instruments END AS weighted_coverage,
       toFloat(load) / meta.load_scale AS annual_load
ORDER BY region, filter;
