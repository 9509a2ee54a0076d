"""Frozen text encoders (TEXT_ENCODERS): action-label embeddings for
ActionPose pre-training."""
