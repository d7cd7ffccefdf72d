#!/usr/bin/env bash
# Rebuilds assets/50-plotly-oversight.min.js: plotly.js core (scatter) plus only the trace types the
# dashboard's figures draw (entry.js), so the browser parses ~1.4 MB instead of the 4.8 MB full bundle.
# Everything comes from the npm registry through npm; nothing else is downloaded. Not run by the app or
# the tests (the built file is committed); run it when the `plotly` Python package's plotly.js version
# changes (`python -c "import plotly.offline as o; print(o.get_plotlyjs_version())"`) or a figure needs
# another trace type. See assets/LICENCES.md.
set -euo pipefail
PLOTLY_JS_VERSION="${1:-4.1.1}"
here="$(cd "$(dirname "$0")" && pwd)"
out="$here/../../assets/50-plotly-oversight.min.js"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$here/entry.js" "$work/"
cd "$work"
echo '{"name":"plotly-oversight-bundle","private":true}' > package.json
npm install --no-audit --no-fund --ignore-scripts "plotly.js@$PLOTLY_JS_VERSION" esbuild@0.25
# The same settings as plotly.js's own build (esbuild-config.js), minified; licence comments kept.
node_modules/.bin/esbuild entry.js --bundle --minify --format=iife --global-name=Plotly \
  --define:global=window --define:define.amd=false --target=es2016 --legal-comments=eof \
  --outfile="$work/plotly.min.js"
# plotly.js must not need eval under the Content-Security-Policy (no 'unsafe-eval').
if grep -Eq '(^|[^A-Za-z0-9_$.])(eval\(|new Function\()' "$work/plotly.min.js"; then
  echo "the bundle calls eval or new Function: refusing it" >&2
  exit 1
fi
cp "$work/plotly.min.js" "$out"
echo "wrote $out ($(wc -c < "$out") bytes, plotly.js $PLOTLY_JS_VERSION)"
