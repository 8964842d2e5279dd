# Sourced (not executable) by the postgres image's entrypoint before 10-roles-and-databases.sql, which reads
# the role passwords with \getenv: NAME_FILE (a Compose secret) fills NAME when NAME is unset or empty,
# as the image does itself for POSTGRES_PASSWORD_FILE. Also sourced before re-running the SQL by hand
# (docs/deploy.md, "Rotating passwords").
for _name in EPIDEMIC_OWNER_PASSWORD EPIDEMIC_READER_PASSWORD EPIDEMIC_API_PASSWORD METABASE_DB_PASSWORD; do
    _file_var="${_name}_FILE"
    if [ -z "${!_name:-}" ] && [ -n "${!_file_var:-}" ]; then
        if ! _value="$(cat -- "${!_file_var}")"; then
            echo "05-secret-files.sh: cannot read ${_file_var}=${!_file_var}" >&2
            return 1
        fi
        export "$_name=$_value"
    fi
done
unset _name _file_var _value
