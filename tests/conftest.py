"""Test-wide settings: tiny models run fastest (and most predictably) on one
thread; end-to-end tests start their own processes with their own threads."""
import torch

torch.set_num_threads(1)
