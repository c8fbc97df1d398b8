// chain.cypher — the chain of $standard up to the primary standards at $as_of, every node and link marked.
// Returns one row per standard of the upstream closure (the standard itself included): id, name,
// institution, level, primary, status, certificate_expiry, established, valid, traceable, and `links`:
// its upstream links as {upstream, valid_until, calibrated_on, valid}. A chain breaks at an invalid link
// (expired, or calibrated after $as_of), at an invalid standard, or at a valid non-primary standard with
// no link. Validity of standards and links as in traceable.cypher.
// How: the upstream closure is walked once; the traceable standards among it are those one breadth-first
// walk down from its valid primary standards reaches through valid links (every upward path of a closure
// standard stays in the closure).
// :param standard => 'CNTY-370402-001'
// :param as_of => date('2026-09-30')
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (start:Standard {v: meta.version, id: $standard})
MATCH (start)-[:TRACES_TO*0..]->(x:Standard)
WITH DISTINCT x
WITH collect(x) AS closure
CALL (closure) {
  UNWIND closure AS p
  WITH p, closure
  WHERE p.primary AND p.status = 'in_service' AND coalesce(p.established <= $as_of, true)
  MATCH (p) (()<-[l:TRACES_TO]-(y:Standard)
             WHERE l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)
               AND y IN closure
               AND y.status = 'in_service' AND coalesce(y.established <= $as_of, true)
               AND (y.primary OR y.certificate_expiry >= $as_of))* (s:Standard)
  RETURN collect(DISTINCT s) AS traceable
}
UNWIND closure AS x
MATCH (i:Institution)-[:HOLDS]->(x)
OPTIONAL MATCH (x)-[l:TRACES_TO]->(u:Standard)
WITH x, i, traceable,
     collect(CASE WHEN l IS NULL THEN null
             ELSE {upstream: u.id, valid_until: l.valid_until, calibrated_on: l.calibrated_on,
                   valid: l.valid_until >= $as_of AND coalesce(l.calibrated_on <= $as_of, true)} END) AS links
RETURN x.id AS id, x.name AS name, i.id AS institution, i.level AS level, x.primary AS primary,
       x.status AS status, x.certificate_expiry AS certificate_expiry, x.established AS established,
       x.status = 'in_service' AND coalesce(x.established <= $as_of, true)
         AND (x.primary OR coalesce(x.certificate_expiry >= $as_of, false)) AS valid,
       x IN traceable AS traceable,
       links
ORDER BY id;
