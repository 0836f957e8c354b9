PAGES = {}
API = {}
METHODS = {}
