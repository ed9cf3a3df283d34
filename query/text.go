package query

// The query text, written once for SQL Server and SQLite alike: plain
// joins, ? parameters that sqlx rebinds (@p1... for SQL Server), time
// windows passed as parameters, no TOP or LIMIT, nothing one dialect
// lacks. The embedded demo site runs this very text in the tests.
//
// Every query filters v_StatusMessage on MessageID and a Time window so
// the server seeks its (MessageID, Time) index on a site of millions of
// messages, and lets the server do the joins. The rows come ordered by
// machine and advertisement so failures are grouped while streaming.

// msgFailures returns one row per failure message, insertion string and
// candidate v_R_System record. The advertisement comes from attribute 401;
// the collection from the advertisement.
const msgFailures = `
SELECT sm.RecordID, sm.MachineName, sm.Time, sm.SiteCode, sm.MessageID,
       att.AttributeValue,
       ins.InsStrIndex, ins.InsStrValue,
       adv.AdvertisementName, adv.PackageID, adv.ProgramName, adv.CollectionID,
       pkg.Name, pkg.Version, prg.CommandLine, col.Name,
       sys.ResourceID, sys.Netbios_Name0, sys.Resource_Domain_OR_Workgr0,
       sys.Operating_System_Name_and0, sys.Client0, sys.Active0
FROM v_StatusMessage sm
JOIN v_StatMsgAttributes att ON att.RecordID = sm.RecordID AND att.AttributeID = 401
LEFT JOIN v_StatMsgInsStrings ins ON ins.RecordID = sm.RecordID
LEFT JOIN v_Advertisement adv ON adv.AdvertisementID = att.AttributeValue
LEFT JOIN v_Package pkg ON pkg.PackageID = adv.PackageID
LEFT JOIN v_Program prg ON prg.PackageID = adv.PackageID AND prg.ProgramName = adv.ProgramName
LEFT JOIN v_Collection col ON col.CollectionID = adv.CollectionID
LEFT JOIN v_R_System sys ON sys.Netbios_Name0 = sm.MachineName
     AND (sys.Obsolete0 IS NULL OR sys.Obsolete0 = 0)
     AND (sys.Decommissioned0 IS NULL OR sys.Decommissioned0 = 0)
WHERE sm.MessageID IN (?) AND sm.Time >= ? AND sm.Time < ?`

const msgFailuresOrder = `
ORDER BY UPPER(sm.MachineName), UPPER(att.AttributeValue), sm.Time, sm.RecordID, sys.ResourceID, ins.InsStrIndex`

// Optional filters of msgFailures.
const (
	msgByAdvert     = ` AND att.AttributeValue IN (?)`
	msgByCollection = ` AND adv.CollectionID IN (?)`
	msgBySite       = ` AND sm.SiteCode = ?`
	msgByMachine    = ` AND sm.MachineName IN (?)`
	msgNameless     = ` AND (sm.MachineName IS NULL OR LTRIM(RTRIM(sm.MachineName)) = '')`
)

// casFailures returns the last state of each client and advertisement
// that ended in a failure in the window (ConfigMgr 2007 and later). A
// record without a NetBIOS name matches no message (msgFailures and
// msgCounts join on it): its machine's failures are read from the
// messages, as those of a machine v_R_System does not know.
const casFailures = `
SELECT cas.AdvertisementID, cas.ResourceID, cas.LastStatusTime, cas.LastStatusMessageID,
       cas.LastExecutionResult,
       sys.Netbios_Name0, sys.Resource_Domain_OR_Workgr0, sys.Operating_System_Name_and0,
       adv.AdvertisementName, adv.PackageID, adv.ProgramName, adv.CollectionID,
       pkg.Name, pkg.Version, prg.CommandLine, col.Name, fcm.SiteCode
FROM v_ClientAdvertisementStatus cas
JOIN v_R_System sys ON sys.ResourceID = cas.ResourceID
LEFT JOIN v_Advertisement adv ON adv.AdvertisementID = cas.AdvertisementID
LEFT JOIN v_Package pkg ON pkg.PackageID = adv.PackageID
LEFT JOIN v_Program prg ON prg.PackageID = adv.PackageID AND prg.ProgramName = adv.ProgramName
LEFT JOIN v_Collection col ON col.CollectionID = adv.CollectionID
LEFT JOIN v_FullCollectionMembership fcm ON fcm.CollectionID = adv.CollectionID AND fcm.ResourceID = cas.ResourceID
WHERE cas.LastStatusMessageID IN (?) AND cas.LastStatusTime >= ? AND cas.LastStatusTime < ?
  AND sys.Netbios_Name0 IS NOT NULL
  AND (sys.Obsolete0 IS NULL OR sys.Obsolete0 = 0)
  AND (sys.Decommissioned0 IS NULL OR sys.Decommissioned0 = 0)`

const casFailuresOrder = `
ORDER BY UPPER(sys.Netbios_Name0), UPPER(cas.AdvertisementID), cas.LastStatusTime, cas.ResourceID`

// Optional filters of casFailures.
const (
	casByAdvert     = ` AND cas.AdvertisementID IN (?)`
	casByCollection = ` AND adv.CollectionID IN (?)`
	casBySite       = ` AND fcm.SiteCode = ?`
)

// msgCounts counts the failures per machine and advertisement in the
// window (the client-status route keeps only the last state): their
// distinct times, as a message copied in again under a new RecordID keeps
// its original's time. It tells the machines v_R_System does not know,
// which that route cannot see: their ResourceID is NULL.
const msgCounts = `
SELECT sm.MachineName, att.AttributeValue, COUNT(DISTINCT sm.Time), MAX(sys.ResourceID)
FROM v_StatusMessage sm
JOIN v_StatMsgAttributes att ON att.RecordID = sm.RecordID AND att.AttributeID = 401
LEFT JOIN v_R_System sys ON sys.Netbios_Name0 = sm.MachineName
     AND (sys.Obsolete0 IS NULL OR sys.Obsolete0 = 0)
     AND (sys.Decommissioned0 IS NULL OR sys.Decommissioned0 = 0)
WHERE sm.MessageID IN (?) AND sm.Time >= ? AND sm.Time < ?`

const msgCountsGroup = `
GROUP BY sm.MachineName, att.AttributeValue`

// msgSuccesses lists the machines that reported success in the window.
const msgSuccesses = `
SELECT sm.MachineName, att.AttributeValue, sm.Time
FROM v_StatusMessage sm
JOIN v_StatMsgAttributes att ON att.RecordID = sm.RecordID AND att.AttributeID = 401
WHERE sm.MessageID IN (?) AND sm.Time >= ? AND sm.Time < ?`

const msgSuccessesOrder = `
ORDER BY UPPER(sm.MachineName), UPPER(att.AttributeValue), sm.Time`

// probe is run against each view a route needs, to name a missing one.
// It reads no row.
const probe = `SELECT COUNT(*) FROM %s WHERE 1 = 0`

// sharedText is every query text, for the test that keeps them portable.
var sharedText = map[string]string{
	"msgFailures": msgFailures + msgByAdvert + msgByCollection + msgBySite + msgByMachine + msgNameless + msgFailuresOrder,
	"casFailures": casFailures + casByAdvert + casByCollection + casBySite + casFailuresOrder,
	"msgCounts":   msgCounts + msgByAdvert + msgBySite + msgCountsGroup,
	"successes":   msgSuccesses + msgByAdvert + msgSuccessesOrder,
	"probe":       probe,
}
