PAGES = {}
API = {}
API_OUTSIDE_SCHEMA = {"POST /api/v1/dossiers/{code}/actions/{action}": "404"}
METHODS = {}
