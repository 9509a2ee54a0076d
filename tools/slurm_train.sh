#!/usr/bin/env bash
# Training on a Slurm cluster with srun (one task per GPU).
#
#   [GPUS=8] [GPUS_PER_NODE=8] [CPUS_PER_TASK=5] [SRUN_ARGS="..."] \
#   tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]
#
# GPUS is the total number of tasks. For CPU-only nodes set GPUS_PER_NODE=0
# and TASKS_PER_NODE=<n>: no GPU is requested and the tasks use gloo.
# SRUN_ARGS is split on spaces and passed to srun (e.g. "--quotatype=auto").
set -e

if [ $# -lt 4 ]; then
    echo "usage: $0 PARTITION JOB_NAME CONFIG WORK_DIR [train.py args...]" >&2
    exit 2
fi

PARTITION=$1
JOB_NAME=$2
CONFIG=$3
WORK_DIR=$4
GPUS=${GPUS:-8}
GPUS_PER_NODE=${GPUS_PER_NODE:-8}
TASKS_PER_NODE=${TASKS_PER_NODE:-$GPUS_PER_NODE}
CPUS_PER_TASK=${CPUS_PER_TASK:-5}
SRUN_ARGS=${SRUN_ARGS:-}
PYTHON=${PYTHON:-python}
TOOLS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT_DIR="$(dirname "$TOOLS_DIR")"

GRES=()
if [ "$GPUS_PER_NODE" -gt 0 ]; then
    GRES=(--gres=gpu:"$GPUS_PER_NODE")
fi

# shellcheck disable=SC2086  # SRUN_ARGS is meant to be word-split
PYTHONPATH="$ROOT_DIR${PYTHONPATH:+:$PYTHONPATH}" \
exec srun -p "$PARTITION" \
    --job-name="$JOB_NAME" \
    "${GRES[@]}" \
    --ntasks="$GPUS" \
    --ntasks-per-node="$TASKS_PER_NODE" \
    --cpus-per-task="$CPUS_PER_TASK" \
    --kill-on-bad-exit=1 \
    ${SRUN_ARGS} \
    "$PYTHON" -u "$TOOLS_DIR/train.py" "$CONFIG" \
    --work-dir="$WORK_DIR" --launcher slurm "${@:5}"
