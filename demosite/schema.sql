-- The demo site database: the SMS / ConfigMgr reporting views the job reads,
-- as tables with the real view and column names, so the query text that runs
-- against SQL Server runs here unchanged. Types follow the real columns.
--
-- Name and ID columns compare case-insensitively (COLLATE NOCASE), as they do
-- on a site database, which ConfigMgr requires to use a case-insensitive
-- collation (SQL_Latin1_General_CP1_CI_AS). Times are UTC.
--
-- Tables come first and indexes after them: the generator loads the rows
-- before it builds the indexes.

CREATE TABLE v_StatusMessage (
    RecordID     BIGINT PRIMARY KEY,
    MessageID    INTEGER NOT NULL,
    MachineName  NVARCHAR(128) COLLATE NOCASE,
    Time         DATETIME NOT NULL,
    SiteCode     NVARCHAR(3) COLLATE NOCASE,
    Component    NVARCHAR(128),
    ModuleName   NVARCHAR(128),
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
    InsStrValue NVARCHAR(512)
);

CREATE TABLE v_Advertisement (
    AdvertisementID      NVARCHAR(8) COLLATE NOCASE PRIMARY KEY,
    AdvertisementName    NVARCHAR(100),
    PackageID            NVARCHAR(8) COLLATE NOCASE,
    ProgramName          NVARCHAR(100) COLLATE NOCASE,
    CollectionID         NVARCHAR(8) COLLATE NOCASE,
    IncludeSubCollection INTEGER,
    PresentTime          DATETIME,
    Comment              NVARCHAR(512)
);

CREATE TABLE v_Package (
    PackageID    NVARCHAR(8) COLLATE NOCASE PRIMARY KEY,
    Name         NVARCHAR(50),
    Version      NVARCHAR(32),
    Manufacturer NVARCHAR(32),
    Language     NVARCHAR(32)
);

CREATE TABLE v_Program (
    PackageID   NVARCHAR(8) COLLATE NOCASE NOT NULL,
    ProgramName NVARCHAR(100) COLLATE NOCASE NOT NULL,
    CommandLine NVARCHAR(255),
    PRIMARY KEY (PackageID, ProgramName)
);

CREATE TABLE v_Collection (
    CollectionID NVARCHAR(8) COLLATE NOCASE PRIMARY KEY,
    Name         NVARCHAR(255),
    Comment      NVARCHAR(512)
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
    Resource_Domain_OR_Workgr0 NVARCHAR(32),
    Operating_System_Name_and0 NVARCHAR(256),
    Client0                    INTEGER,
    Obsolete0                  INTEGER,
    Decommissioned0            INTEGER,
    Active0                    INTEGER
);

CREATE TABLE v_ClientAdvertisementStatus (
    AdvertisementID         NVARCHAR(8) COLLATE NOCASE NOT NULL,
    ResourceID              INTEGER NOT NULL,
    LastState               INTEGER,
    LastStateName           NVARCHAR(64),
    LastStatusMessageID     INTEGER,
    LastStatusMessageIDName NVARCHAR(256),
    LastStatusTime          DATETIME,
    LastAcceptanceStateName NVARCHAR(64),
    LastExecutionResult     NVARCHAR(32),
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
