#!/bin/sh
# Like the official image: render /etc/nginx/templates/*.template into
# /etc/nginx/conf.d/ (NGINX_ENVSUBST_TEMPLATE_DIR, _SUFFIX, NGINX_ENVSUBST_OUTPUT_DIR),
# substituting only the variables that are defined in the environment.
set -e
template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
[ -d "$template_dir" ] || exit 0
defined=$(printf '${%s} ' $(env | cut -d= -f1))
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative=${template#"$template_dir/"}
    output="$output_dir/${relative%"$suffix"}"
    mkdir -p "$(dirname "$output")"
    echo "$0: Running envsubst on $template to $output"
    envsubst "$defined" < "$template" > "$output"
done
