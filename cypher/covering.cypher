// covering.cypher — every demand item with the traceable standards that cover it at $as_of, and their
// annual capacities: the input of capacity_rate's max-flow (source → item → standard → sink).
// Returns: county, instrument_type, count, load (the item's annual load × load_scale, an exact integer),
// load_scale, standards (their ids; empty = uncovered), capacities (each standard's capacity_per_year, in
// the same order; null = unbounded).
// How: the traceable standards found once (as in coverage.cypher), each joined to the items it covers.
// :param as_of => date('2026-09-30')
MATCH (meta:TracegraphMeta {name: 'current'})
CALL (meta) {
  MATCH (:Region {v: meta.version, level: 'county'})-[n:NEEDS]->(:InstrumentType)
  WHERE n.count > 0
  RETURN n, [] AS standards
  UNION ALL
  MATCH (p:Standard {v: meta.version, primary: true})
  WHERE p.status = 'in_service' AND coalesce(p.established <= $as_of, true)
  MATCH (p) (()<-[l:TRACES_TO]-(x:Standard)
             WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
               AND x.status = 'in_service' AND coalesce(x.established <= $as_of, true)
               AND (x.primary OR x.certificate_expiry >= $as_of))* (s:Standard)
  WITH DISTINCT s
  MATCH (i:Institution)-[:HOLDS]->(s)-[:VERIFIES]->(t:InstrumentType)
  WITH i, t, collect(s) AS standards
  MATCH (i)-[reach:LOCATED_IN|SERVES]->(:Region)<-[:PART_OF*0..2]-(:Region)-[n:NEEDS]->(t)
  WHERE (type(reach) = 'SERVES' OR i.level <> 'national') AND n.count > 0
  WITH DISTINCT i, t, standards, n
  RETURN n, standards
}
WITH meta, n, reduce(acc = [], l IN collect(standards) | acc + l) AS standards
WITH meta, n, startNode(n) AS c, endNode(n) AS t, standards
RETURN c.code AS county, t.code AS instrument_type, n.count AS count, n.count * t.load_factor AS load,
       meta.load_scale AS load_scale,
       [x IN standards | x.id] AS standards, [x IN standards | x.capacity_per_year] AS capacities
ORDER BY county, instrument_type;
