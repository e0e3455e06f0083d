import type { UserRecordSize } from "../protocol/index.js";

// What differs between firmware generations, and what a factory-fresh terminal reports.

/**
 * pyzk's "ZK8" (TCP-era: 72-byte users, 40-byte punches, text user ids) and "ZK6" (28-byte users,
 * numeric user ids, 16-byte punches, 12-byte live events). Fact sheet §5, §7, §9.1.
 */
export type FirmwareProfile = "modern" | "old";

export interface ProfileFormat {
  userSize: UserRecordSize;
  attendanceSize: 40 | 16;
  eventSize: 12 | 32 | 36;
}

export const PROFILE_FORMATS: Readonly<Record<FirmwareProfile, ProfileFormat>> = {
  modern: { userSize: 72, attendanceSize: 40, eventSize: 36 },
  old: { userSize: 28, attendanceSize: 16, eventSize: 12 },
};

export interface Capacities {
  users: number;
  records: number;
  fingers: number;
  faces: number;
}

export const DEFAULT_CAPACITIES: Readonly<Record<FirmwareProfile, Capacities>> = {
  modern: { users: 10_000, records: 200_000, fingers: 3_000, faces: 0 },
  old: { users: 3_000, records: 100_000, fingers: 1_500, faces: 0 },
};

export const DEFAULT_FIRMWARE: Readonly<Record<FirmwareProfile, string>> = {
  modern: "Ver 6.60 Apr 28 2015",
  old: "Ver 6.60 Jan 13 2011",
};

/** Options a terminal answers to OPTIONS_RRQ out of the box (keys as pyzk and [A] read them). */
export function defaultOptions(profile: FirmwareProfile, serial: string): Record<string, string> {
  const modern = profile === "modern";
  return {
    "~SerialNumber": serial,
    "~Platform": modern ? "ZMM220_TFT" : "ZEM510_TFT",
    "~DeviceName": modern ? "K40" : "F18",
    MAC: "00:17:61:00:00:01",
    "~ZKFPVersion": modern ? "10" : "9",
    "~OS": "1",
    "~ExtendFmt": modern ? "1" : "0",
    "~UserExtFmt": modern ? "1" : "0",
    FaceFunOn: "0",
    CompatOldFirmware: modern ? "0" : "1",
    IPAddress: "192.168.1.201",
    NetMask: "255.255.255.0",
    GATEIPAddress: "192.168.1.1",
    WorkCode: "0",
    "~OEMVendor": "ZKTeco Inc.",
    "~ProductTime": "2015-04-28 10:12:36",
    "~PIN2Width": "9",
    "~IsABCPinEnable": "0",
    "~T9FunOn": "0",
    "~IsOnlyRFMachine": "0",
    "~RFCardOn": "1",
    LockOn: "0",
  };
}
