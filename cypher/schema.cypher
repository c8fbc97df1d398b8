// schema.cypher — constraints and indexes of the tracegraph graph (tracegraph load runs this file).
// Returns nothing. Idempotent (IF NOT EXISTS).
//
// Every domain node carries `uid` (version:id) and `v` (the load version). Queries read the current
// version from the single (:TracegraphMeta {name: 'current'}) node, so a load in progress or a
// failed load is never visible: the switch to a new version is one small transaction.
CREATE CONSTRAINT tg_meta_name IF NOT EXISTS FOR (m:TracegraphMeta) REQUIRE m.name IS UNIQUE;
CREATE CONSTRAINT tg_region_uid IF NOT EXISTS FOR (n:Region) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT tg_institution_uid IF NOT EXISTS FOR (n:Institution) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT tg_standard_uid IF NOT EXISTS FOR (n:Standard) REQUIRE n.uid IS UNIQUE;
CREATE CONSTRAINT tg_type_uid IF NOT EXISTS FOR (n:InstrumentType) REQUIRE n.uid IS UNIQUE;
CREATE INDEX tg_region_v IF NOT EXISTS FOR (n:Region) ON (n.v, n.code);
CREATE INDEX tg_institution_v IF NOT EXISTS FOR (n:Institution) ON (n.v, n.id);
CREATE INDEX tg_standard_v IF NOT EXISTS FOR (n:Standard) ON (n.v, n.id);
CREATE INDEX tg_type_v IF NOT EXISTS FOR (n:InstrumentType) ON (n.v, n.code);
CREATE INDEX tg_region_level IF NOT EXISTS FOR (n:Region) ON (n.v, n.level);
