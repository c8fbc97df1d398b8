// covering.cypher — every demand item with the traceable standards that cover it at $as_of, and their
// annual capacities: the input of capacity_rate's max-flow (source → item → standard → sink).
// Returns: county, instrument_type, count, load (the item's annual load × load_scale, an exact integer),
// load_scale, standards (list of {id, capacity}; capacity null = unbounded; empty = uncovered).
// :param as_of => date('2026-01-01')
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (c:Region {v: meta.version, level: 'county'})-[n:NEEDS]->(t:InstrumentType)
WHERE n.count > 0
OPTIONAL MATCH (c)-[:PART_OF*0..2]->(:Region)<-[reach:LOCATED_IN|SERVES]-(i:Institution)-[:HOLDS]->(s:Standard)
               -[:VERIFIES]->(t)
WHERE (type(reach) = 'SERVES' OR i.level <> 'national')
  AND s.status = 'in_service' AND (s.primary OR s.certificate_expiry >= $as_of)
  AND EXISTS {
    MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
    WHERE p.primary
  }
WITH meta, c, n, t, collect(DISTINCT s) AS standards
RETURN c.code AS county, t.code AS instrument_type, n.count AS count, n.count * t.load_factor AS load,
       meta.load_scale AS load_scale,
       [x IN standards | {id: x.id, capacity: x.capacity_per_year}] AS standards
ORDER BY county, instrument_type;
