// traceable.cypher — the standards traceable to a primary standard at $as_of (the least fixpoint).
// Returns: id, name, institution, level (of the institution), primary — one row per traceable standard.
// A standard is valid at $as_of when it is in service, exists (`established`, if given, ≤ $as_of) and is
// primary or holds a certificate (certificate_expiry ≥ $as_of). A link is valid at $as_of when
// valid_until ≥ $as_of and calibrated_on (if given) ≤ $as_of. Traceable = reached by one breadth-first
// walk down from the valid primary standards through valid links and valid standards, so a cycle of
// links never makes anything traceable (only what a primary reaches counts).
// :param as_of => date('2026-09-30')
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (p:Standard {v: meta.version, primary: true})
WHERE p.status = 'in_service' AND coalesce(p.established <= $as_of, true)
MATCH (p) (()<-[l:TRACES_TO]-(x:Standard)
           WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
             AND x.status = 'in_service' AND coalesce(x.established <= $as_of, true)
             AND (x.primary OR x.certificate_expiry >= $as_of))* (s:Standard)
WITH DISTINCT s
MATCH (i:Institution)-[:HOLDS]->(s)
RETURN s.id AS id, s.name AS name, i.id AS institution, i.level AS level, s.primary AS primary
ORDER BY id;
