"""Storefront (B2C Commerce / OCAPI style) to Service Cloud."""
