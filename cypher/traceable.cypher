// traceable.cypher — the standards traceable to a primary standard at $as_of (the least fixpoint).
// Returns: id, name, institution, level (of the institution), primary — one row per traceable standard.
// A standard is traceable when it is valid (in service; primary, or certificate_expiry >= $as_of) and a
// path of links valid at $as_of leads through valid standards to a primary standard. A cycle of links
// never makes anything traceable: only a path that ends at a primary counts.
// :param as_of => date('2026-01-01')
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (s:Standard {v: meta.version})
WHERE s.status = 'in_service' AND (s.primary OR s.certificate_expiry >= $as_of)
  AND EXISTS {
    MATCH (s) (()-[l:TRACES_TO]->(u:Standard)
               WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                 AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
    WHERE p.primary
  }
MATCH (i:Institution)-[:HOLDS]->(s)
RETURN s.id AS id, s.name AS name, i.id AS institution, i.level AS level, s.primary AS primary
ORDER BY id;
