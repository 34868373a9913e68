"""Steward (客服外包管家): govern outsourced customer service."""
