-- The demo site database: the SMS / ConfigMgr reporting views the job reads,
-- as tables with the real view and column names, so the query text that runs
-- against SQL Server runs here unchanged. Types follow the real columns.
--
-- Every text column compares case-insensitively (COLLATE NOCASE), as every
-- column of a site database does: ConfigMgr requires the case-insensitive
-- collation SQL_Latin1_General_CP1_CI_AS. So the very query text joins,
-- filters and groups here as it does on SQL Server. What NOCASE does not do
-- as CI_AS does: fold letters beyond ASCII, and ignore trailing spaces; the
-- job keys names in Go for those. NVARCHAR lengths are the views'; the
-- generator writes nothing longer. Times are UTC, at the precision of SQL
-- Server's datetime (1/300 s, read back as .000, .003 or .007).
--
-- Tables come first and indexes after them: the generator loads the rows
-- before it builds the indexes.

CREATE TABLE v_StatusMessage (
    RecordID     BIGINT PRIMARY KEY,
    MessageID    INTEGER NOT NULL,
    MachineName  NVARCHAR(128) COLLATE NOCASE,
    Time         DATETIME NOT NULL,
    SiteCode     NVARCHAR(3) COLLATE NOCASE,
    Component    NVARCHAR(128) COLLATE NOCASE,
    ModuleName   NVARCHAR(128) COLLATE NOCASE,
    Severity     INTEGER,
    MessageType  INTEGER,
    Win32Error   INTEGER
);

CREATE TABLE v_StatMsgAttributes (
    RecordID       BIGINT NOT NULL,
    AttributeID    INTEGER NOT NULL,
    AttributeValue NVARCHAR(256) COLLATE NOCASE,
    AttributeTime  DATETIME
);

CREATE TABLE v_StatMsgInsStrings (
    RecordID    BIGINT NOT NULL,
    InsStrIndex INTEGER NOT NULL,
    InsStrValue NVARCHAR(512) COLLATE NOCASE
);

CREATE TABLE v_Advertisement (
    AdvertisementID      NVARCHAR(8) COLLATE NOCASE PRIMARY KEY,
    AdvertisementName    NVARCHAR(100) COLLATE NOCASE,
    PackageID            NVARCHAR(8) COLLATE NOCASE,
    ProgramName          NVARCHAR(100) COLLATE NOCASE,
    CollectionID         NVARCHAR(8) COLLATE NOCASE,
    IncludeSubCollection INTEGER,
    PresentTime          DATETIME,
    Comment              NVARCHAR(512) COLLATE NOCASE
);

CREATE TABLE v_Package (
    PackageID    NVARCHAR(8) COLLATE NOCASE PRIMARY KEY,
    Name         NVARCHAR(50) COLLATE NOCASE,
    Version      NVARCHAR(32) COLLATE NOCASE,
    Manufacturer NVARCHAR(32) COLLATE NOCASE,
    Language     NVARCHAR(32) COLLATE NOCASE
);

CREATE TABLE v_Program (
    PackageID   NVARCHAR(8) COLLATE NOCASE NOT NULL,
    ProgramName NVARCHAR(100) COLLATE NOCASE NOT NULL,
    CommandLine NVARCHAR(255) COLLATE NOCASE,
    PRIMARY KEY (PackageID, ProgramName)
);

CREATE TABLE v_Collection (
    CollectionID NVARCHAR(8) COLLATE NOCASE PRIMARY KEY,
    Name         NVARCHAR(255) COLLATE NOCASE,
    Comment      NVARCHAR(512) COLLATE NOCASE
);

CREATE TABLE v_FullCollectionMembership (
    CollectionID NVARCHAR(8) COLLATE NOCASE NOT NULL,
    ResourceID   INTEGER NOT NULL,
    Name         NVARCHAR(256) COLLATE NOCASE,
    SiteCode     NVARCHAR(3) COLLATE NOCASE,
    IsClient     INTEGER
);

CREATE TABLE v_R_System (
    ResourceID                 INTEGER PRIMARY KEY,
    Name0                      NVARCHAR(256) COLLATE NOCASE,
    Netbios_Name0              NVARCHAR(16) COLLATE NOCASE,
    Resource_Domain_OR_Workgr0 NVARCHAR(32) COLLATE NOCASE,
    Operating_System_Name_and0 NVARCHAR(256) COLLATE NOCASE,
    Client0                    INTEGER,
    Obsolete0                  INTEGER,
    Decommissioned0            INTEGER,
    Active0                    INTEGER
);

CREATE TABLE v_ClientAdvertisementStatus (
    AdvertisementID         NVARCHAR(8) COLLATE NOCASE NOT NULL,
    ResourceID              INTEGER NOT NULL,
    LastState               INTEGER,
    LastStateName           NVARCHAR(64) COLLATE NOCASE,
    LastStatusMessageID     INTEGER,
    LastStatusMessageIDName NVARCHAR(256) COLLATE NOCASE,
    LastStatusTime          DATETIME,
    LastAcceptanceStateName NVARCHAR(64) COLLATE NOCASE,
    LastExecutionResult     NVARCHAR(32) COLLATE NOCASE,
    PRIMARY KEY (AdvertisementID, ResourceID)
);

CREATE INDEX v_StatusMessage_MessageID_Time ON v_StatusMessage (MessageID, Time);
CREATE INDEX v_StatusMessage_Time ON v_StatusMessage (Time);
CREATE INDEX v_StatMsgAttributes_RecordID ON v_StatMsgAttributes (RecordID, AttributeID);
CREATE INDEX v_StatMsgAttributes_Value ON v_StatMsgAttributes (AttributeID, AttributeValue);
CREATE INDEX v_StatMsgInsStrings_RecordID ON v_StatMsgInsStrings (RecordID, InsStrIndex);
CREATE INDEX v_FullCollectionMembership_Collection ON v_FullCollectionMembership (CollectionID, ResourceID);
CREATE INDEX v_FullCollectionMembership_Resource ON v_FullCollectionMembership (ResourceID);
CREATE INDEX v_R_System_Netbios_Name0 ON v_R_System (Netbios_Name0);
CREATE INDEX v_R_System_Name0 ON v_R_System (Name0);
CREATE INDEX v_ClientAdvertisementStatus_Time ON v_ClientAdvertisementStatus (LastStatusTime);
