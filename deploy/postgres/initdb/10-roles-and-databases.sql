-- Roles and databases of the production stack (docker-compose.yml). The postgres image runs this file
-- once, with psql, when it initialises an empty data volume; tests/deploy/test_reader_role.py runs the
-- same file against a throwaway server. It is idempotent: run it again to rotate the passwords
--   docker compose exec postgres psql -U postgres -f /docker-entrypoint-initdb.d/10-roles-and-databases.sql
-- Every setting comes from the environment (psql \getenv), passwords are required:
--   EPIDEMIC_OWNER_PASSWORD   epidemic_owner: the ELT; owns the warehouse (raw, ops and the dbt schemas)
--   EPIDEMIC_READER_PASSWORD  epidemic_reader: Metabase and the API's reads; SELECT on marts and ops only
--   EPIDEMIC_API_PASSWORD     epidemic_api: the API's own state (users, edits) in the app database
--   METABASE_DB_PASSWORD      metabase: Metabase's application database
-- and names can be overridden (EPIDEMIC_*_ROLE, EPIDEMIC_WAREHOUSE_DB, EPIDEMIC_APP_DB, METABASE_DB,
-- METABASE_DB_USER). The reader's SELECT on the marts is granted by the ELT itself after every build
-- (dbt on-run-end hook, dbt_project/macros/grants/), because each build replaces the marts schema.
\set ON_ERROR_STOP on

\getenv warehouse_db EPIDEMIC_WAREHOUSE_DB
\if :{?warehouse_db}
\else
    \set warehouse_db epidemic
\endif
\getenv app_db EPIDEMIC_APP_DB
\if :{?app_db}
\else
    \set app_db epidemic_app
\endif
\getenv metabase_db METABASE_DB
\if :{?metabase_db}
\else
    \set metabase_db metabase
\endif
\getenv owner_role EPIDEMIC_OWNER_ROLE
\if :{?owner_role}
\else
    \set owner_role epidemic_owner
\endif
\getenv reader_role EPIDEMIC_READER_ROLE
\if :{?reader_role}
\else
    \set reader_role epidemic_reader
\endif
\getenv api_role EPIDEMIC_API_ROLE
\if :{?api_role}
\else
    \set api_role epidemic_api
\endif
\getenv metabase_role METABASE_DB_USER
\if :{?metabase_role}
\else
    \set metabase_role metabase
\endif

-- psql cannot raise an error itself: a failing statement stops the script with a readable message.
\getenv owner_password EPIDEMIC_OWNER_PASSWORD
\if :{?owner_password}
\else
    do $$ begin raise exception 'EPIDEMIC_OWNER_PASSWORD is not set (see .env.example)'; end $$;
\endif
\getenv reader_password EPIDEMIC_READER_PASSWORD
\if :{?reader_password}
\else
    do $$ begin raise exception 'EPIDEMIC_READER_PASSWORD is not set (see .env.example)'; end $$;
\endif
\getenv api_password EPIDEMIC_API_PASSWORD
\if :{?api_password}
\else
    do $$ begin raise exception 'EPIDEMIC_API_PASSWORD is not set (see .env.example)'; end $$;
\endif
\getenv metabase_password METABASE_DB_PASSWORD
\if :{?metabase_password}
\else
    do $$ begin raise exception 'METABASE_DB_PASSWORD is not set (see .env.example)'; end $$;
\endif

-- Roles: created once; attributes and password (re)set on every run.
select format('create role %I', name)
from (values (:'owner_role'), (:'reader_role'), (:'api_role'), (:'metabase_role')) as wanted (name)
where not exists (select from pg_roles where rolname = wanted.name)
\gexec
alter role :"owner_role" with login nosuperuser nocreatedb nocreaterole password :'owner_password';
alter role :"reader_role" with login nosuperuser nocreatedb nocreaterole password :'reader_password';
alter role :"api_role" with login nosuperuser nocreatedb nocreaterole password :'api_password';
alter role :"metabase_role" with login nosuperuser nocreatedb nocreaterole password :'metabase_password';
-- A second lock on the reader: even a privilege granted by mistake cannot be used to write.
alter role :"reader_role" set default_transaction_read_only = on;

-- Databases, each owned by the role that writes it. Nobody else may connect (PUBLIC has CONNECT and
-- TEMP by default) except: the reader to the warehouse, the ELT owner to the app database (it copies
-- the API's edits into raw at each run).
select format('create database %I', name)
from (values (:'warehouse_db'), (:'app_db'), (:'metabase_db')) as wanted (name)
where not exists (select from pg_database where datname = wanted.name)
\gexec
alter database :"warehouse_db" owner to :"owner_role";
alter database :"app_db" owner to :"api_role";
alter database :"metabase_db" owner to :"metabase_role";
revoke all on database :"warehouse_db" from public;
revoke all on database :"app_db" from public;
revoke all on database :"metabase_db" from public;
grant connect on database :"warehouse_db" to :"reader_role";
grant connect on database :"app_db" to :"owner_role";

-- Warehouse: the owner creates raw, ops and the dbt schemas itself (it owns the database). The run
-- log ops.elt_runs is read by the API (X-Data-As-Of, GET /elt/runs); `ops` is never rebuilt, so
-- default privileges cover the table the first run creates.
\connect :"warehouse_db"
revoke all on schema public from public;
create schema if not exists ops authorization :"owner_role";
alter schema ops owner to :"owner_role";
grant usage on schema ops to :"reader_role";
grant select on all tables in schema ops to :"reader_role";
alter default privileges for role :"owner_role" in schema ops grant select on tables to :"reader_role";

-- App database: the API creates its tables (users, edits) as their owner; the ELT owner may read them.
\connect :"app_db"
revoke all on schema public from public;
grant usage on schema public to :"owner_role";
grant select on all tables in schema public to :"owner_role";
alter default privileges for role :"api_role" in schema public grant select on tables to :"owner_role";
