#!/usr/bin/env sh
# Installs the full Fashion-MNIST (gzipped IDX files) from Debian's package
# into /usr/share/datasets/fashion-mnist/, where data/fashion_mnist.ts reads it.
set -e
DIR=/usr/share/datasets/fashion-mnist
if [ -f "$DIR/train-images-idx3-ubyte.gz" ] && [ -f "$DIR/t10k-labels-idx1-ubyte.gz" ]; then
  echo "Fashion-MNIST already installed in $DIR"; exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; fi
$SUDO apt-get update
$SUDO apt-get install -y dataset-fashion-mnist
ls -l "$DIR"
