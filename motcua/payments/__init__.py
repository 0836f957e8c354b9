"""Online payment of fees: payments, gateway plugins, the bundled sandbox gateway, reconciliation, e-receipts.

A payment's state changes only through the actions layer (dossiers/actions/payments.py), which
imports this room; this room imports no room that changes dossiers. See docs/payments.md.
"""
