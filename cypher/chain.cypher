// chain.cypher — the chain of $standard up to the primary standards at $as_of, every node and link marked.
// Returns one row per standard of the upstream closure (the standard itself included): id, name,
// institution, level, primary, status, certificate_expiry, valid, traceable, and `links`: its upstream
// links as {upstream, valid_until, valid}. A chain breaks at an expired link (valid = false), at an
// invalid standard, or at a valid non-primary standard with no link.
// :param standard => 'CNTY-370402-001'
// :param as_of => date('2026-01-01')
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (start:Standard {v: meta.version, id: $standard})
MATCH (start)-[:TRACES_TO*0..]->(x:Standard)
WITH DISTINCT x
MATCH (i:Institution)-[:HOLDS]->(x)
OPTIONAL MATCH (x)-[l:TRACES_TO]->(u:Standard)
WITH x, i, collect(CASE WHEN l IS NULL THEN null
                   ELSE {upstream: u.id, valid_until: l.valid_until, valid: l.valid_until >= $as_of} END) AS links
WITH x, i, links, x.status = 'in_service' AND (x.primary OR x.certificate_expiry >= $as_of) AS valid
RETURN x.id AS id, x.name AS name, i.id AS institution, i.level AS level, x.primary AS primary,
       x.status AS status, x.certificate_expiry AS certificate_expiry, valid,
       valid AND EXISTS {
         MATCH (x) (()-[l:TRACES_TO]->(u:Standard)
                    WHERE l.valid_until >= $as_of AND u.status = 'in_service'
                      AND (u.primary OR u.certificate_expiry >= $as_of))* (p:Standard)
         WHERE p.primary
       } AS traceable,
       links
ORDER BY id;
