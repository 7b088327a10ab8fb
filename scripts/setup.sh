#!/usr/bin/env bash
# Installs the C libraries bhscore links against (Debian/Ubuntu), the ONNX
# Runtime library feature extraction loads, and fetches the Go modules.
# Safe to run repeatedly; used by the README commands and CI.
set -euo pipefail
pkgs=(libhdf5-dev libopenblas-dev liblapacke-dev pkg-config)
# The HTML report's browser test (htmlreport) needs a headless Chromium and a
# font; CI (CI set) and BHSCORE_CHROMIUM=1 install them, elsewhere the test
# is skipped when no browser is found.
if [ -n "${CI:-}" ] || [ "${BHSCORE_CHROMIUM:-}" = 1 ]; then
	pkgs+=(chromium fonts-dejavu-core)
fi
missing=()
for p in "${pkgs[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
	SUDO=""
	if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update -qq
	$SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# ONNX Runtime (CPU, linux x64) for feature extraction (package extract),
# loaded at run time: only extraction needs it. The library ships in the
# npm package onnxruntime-node; npm verifies the package's registry
# checksum, we pin the library's. Skipped when already installed.
# Elsewhere, set BHSCORE_ONNXRUNTIME to your own libonnxruntime.so.1.
ort_version=1.30.0
ort_sha256=ffb75a925ba05e47b235bb66e3e3911714a80b328a9c9425539feb204aa32a23
ort_dir=${BHSCORE_ORT_PREFIX:-/usr/local/lib}
ort_lib=$ort_dir/libonnxruntime.so.$ort_version
if [ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] &&
	! { [ -f "$ort_lib" ] && echo "$ort_sha256  $ort_lib" | sha256sum -c --status; }; then
	SUDO=""
	if [ "$(id -u)" != 0 ]; then SUDO=sudo; fi
	if ! command -v npm >/dev/null; then
		export DEBIAN_FRONTEND=noninteractive
		$SUDO apt-get update -qq
		$SUDO apt-get install -y -qq npm >/dev/null
	fi
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && npm pack --silent "onnxruntime-node@$ort_version" >/dev/null)
	tar -xzf "$tmp/onnxruntime-node-$ort_version.tgz" -C "$tmp" package/bin/napi-v6/linux/x64/libonnxruntime.so.1
	echo "$ort_sha256  $tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" | sha256sum -c --status ||
		{ echo "setup.sh: libonnxruntime.so.1 from onnxruntime-node@$ort_version has an unexpected checksum" >&2; exit 1; }
	$SUDO install -D -m 0644 "$tmp/package/bin/napi-v6/linux/x64/libonnxruntime.so.1" "$ort_lib"
	$SUDO ln -sf "libonnxruntime.so.$ort_version" "$ort_dir/libonnxruntime.so.1"
	if [ "$ort_dir" = /usr/local/lib ]; then $SUDO ldconfig; fi
	rm -rf "$tmp"
	trap - EXIT
fi

cd "$(dirname "$0")/.."
go mod download
