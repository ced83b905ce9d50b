export { addBusinessMinutes, dueAt, isWorkingDay, londonTime, councilHours } from './business-hours.ts';
export { isBankHoliday, computeBankHolidays, easterSunday } from './bank-holidays.ts';
export { choosePolicy, slaDue, type SlaPolicy, type SlaDue } from './sla-policy.ts';
export { SlaService, loadSlaPolicies } from './sla.service.ts';
