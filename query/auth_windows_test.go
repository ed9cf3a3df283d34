package query

const windowsAuthenticator = "winsspi"
