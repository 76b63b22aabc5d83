# Chromium for the slip rendering and the end-to-end page tests: Debian's package, driven by
# playwright-core (its own browser download is not available here). Installed when missing; its path is
# exported as ONESTOP_CHROMIUM. Suites that need it skip locally without it and fail under CI=true.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "test env: installing Debian's chromium for the browser tests…"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "test env: could not install chromium; browser tests will skip (and fail under CI)"
  fi
fi
if command -v chromium >/dev/null 2>&1; then
  ONESTOP_CHROMIUM="$(command -v chromium)"
  export ONESTOP_CHROMIUM
fi
