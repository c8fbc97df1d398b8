// targets.cypher — the plan targets stored with the dataset (the targets table), one row per target.
// Returns: id, region (null = every top-level region), metric, filter, level, threshold, year, since, source.
// Evaluate them with coverage.cypher (coverage-type metrics), standards_count.cypher,
// standards_built.cypher and service_items.cypher;
// `tracegraph targets DATASET --neo4j` does all of it.
MATCH (meta:TracegraphMeta {name: 'current'})
MATCH (t:Target {v: meta.version})
RETURN t.id AS id, t.region AS region, t.metric AS metric, coalesce(t.filter, 'all') AS filter,
       t.level AS level, t.threshold AS threshold, t.year AS year, t.since AS since, t.source AS source
ORDER BY t.ord;
