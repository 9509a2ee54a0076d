#!/usr/bin/env bash
# Distributed training on one or more nodes with torchrun.
#
#   tools/dist_train.sh CONFIG NPROC [train.py args...]
#
# NPROC processes per node (one per GPU; on a machine without CUDA they run on
# the CPU with the gloo backend). Multi-node: run on every node with
#   NNODES=2 NODE_RANK=<0|1> MASTER_ADDR=<node 0 address> PORT=29500
# PYTHON selects the interpreter (default: python); torchrun is started as
# `$PYTHON -m torch.distributed.run` so it always belongs to that interpreter.
set -e

if [ $# -lt 2 ]; then
    echo "usage: $0 CONFIG NPROC [train.py args...]" >&2
    exit 2
fi

CONFIG=$1
NPROC=$2
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-127.0.0.1}
PYTHON=${PYTHON:-python}
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$TOOLS_DIR")"

PYTHONPATH="$ROOT_DIR${PYTHONPATH:+:$PYTHONPATH}" \
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" \
    --node_rank="$NODE_RANK" \
    --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$NPROC" \
    --master_port="$PORT" \
    "$TOOLS_DIR/train.py" \
    "$CONFIG" \
    --launcher pytorch "${@:3}"
