/**
 * Demo content for drafting from data and templates: a roadworks list exported from Street
 * Manager, imported through the real import (so the demo shows its result page and drafts),
 * and two drafts written from templates, all waiting for approval. Dates are relative to the
 * day the demo is seeded, so the drafts always look current.
 */
import type { Staff } from './posts.service.ts';
import type { Publishing } from './publishing.module.ts';
import { londonDate, type LocalDate } from './templates/render.ts';

const iso = (d: LocalDate) =>
  `${d.year}-${String(d.month).padStart(2, '0')}-${String(d.day).padStart(2, '0')}`;

export async function seedDraftingDemo(
  publishing: Publishing,
  staff: Staff,
  now = new Date(),
): Promise<void> {
  const day = (n: number) => londonDate(new Date(now.getTime() + n * 86_400_000));
  const rows = [
    'work_reference_number,permit_reference_number,usrn,street_name,town,promoter_organisation,work_category,traffic_management_type,proposed_start_date,proposed_end_date,description_of_work',
    `TSR001-0042,TSR001-0042-01,23601234,HEWLETT ROAD,CHELTENHAM,Severn Trent Water,Major,Two-way signals,${iso(day(7))},${iso(day(18))},"to replace 200 metres of water main, outside numbers 12 to 40"`,
    `BT0123-TCH7781,BT0123-TCH7781-01,23601877,BATH ROAD,CHELTENHAM,Openreach,Standard,Lane closure,${iso(day(9))},${iso(day(11))},to lay new fibre broadband cables`,
    `VC991-RES-0007,VC991-RES-0007-02,23600456,PROMENADE,CHELTENHAM,Vale of Chelt Borough Council,Minor,Road closure,${iso(day(14))},${iso(day(14))},"to resurface the road overnight, 8pm to 6am"`,
  ];
  await publishing.imports.importFile(
    staff,
    {
      kind: 'roadworks',
      filename: 'street-manager-export.csv',
      data: new TextEncoder().encode(rows.join('\r\n')),
      accountIds: [],
    },
    { isBilingual: false },
    now,
  );
  const fromTemplate = async (key: string, fields: Record<string, string>) => {
    const template = await publishing.templates.get(staff.actor.councilId, key);
    const { values, errors } = await publishing.templates.readFields(template, fields, false, now);
    if (Object.keys(errors).length) throw new Error(`Demo ${key} template: ${JSON.stringify(errors)}`);
    const form = publishing.templates.toPostForm(template, values, {
      isBilingual: false,
      accounts: [],
      accountIds: [],
      now,
    });
    await publishing.posts.saveDraft(staff, form, {});
  };
  const dateFields = (name: string, d: LocalDate) => ({
    [`${name}-day`]: String(d.day),
    [`${name}-month`]: String(d.month),
    [`${name}-year`]: String(d.year),
  });
  await fromTemplate('weather', {
    level: 'yellow',
    weather: 'snow-ice',
    ...dateFields('fromDate', day(2)),
    fromTime: '18:00',
    ...dateFields('untilDate', day(3)),
    untilTime: '10:00',
    advice: 'Gritters will treat all main roads and bus routes from 4pm',
    link: 'https://www.metoffice.gov.uk/weather/warnings-and-advice/uk-warnings',
  });
  await fromTemplate('consultation', {
    topic: 'plans for a safer cycle route along the Lower High Street',
    ...dateFields('closingDate', day(42)),
    details: 'Come to a drop-in at the Municipal Offices, or answer online in about 10 minutes',
    link: 'https://www.example.gov.uk/have-your-say/lower-high-street',
  });
}
