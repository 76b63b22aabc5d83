# Chromium for the slip rendering and the end-to-end page tests: Debian's package, driven by
# playwright-core (its own browser download is not available here), and a CJK font so Chinese pages
# render as text, not boxes. Each is installed when missing; Chromium's path is exported as
# ONESTOP_CHROMIUM. Suites that need it skip locally without it and fail under CI=true.
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "test env: installing Debian's ${need[*]} for the browser tests…"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null) \
    || echo "test env: could not install ${need[*]}; browser tests will skip (and fail under CI)"
fi
if command -v chromium >/dev/null 2>&1; then
  ONESTOP_CHROMIUM="$(command -v chromium)"
  export ONESTOP_CHROMIUM
fi
