-- params: {'account': 'a9c75250-d67d-429e-a501-896514b5d369'}
SELECT accounts.id, accounts.email, accounts.display_name, accounts.language, accounts.role, accounts.active, accounts.updated_at, organization_members.organization_id, organizations.name AS org_name, desk_agents.desk_id AS agent_desk_id 
FROM accounts LEFT OUTER JOIN organization_members ON organization_members.account_id = accounts.id LEFT OUTER JOIN organizations ON organizations.id = organization_members.organization_id LEFT OUTER JOIN desk_agents ON desk_agents.account_id = accounts.id 
WHERE accounts.id = %(account)s::VARCHAR;

-- params: {}
SELECT tickets.id, tickets.desk_id, tickets.number, tickets.key, tickets.request_type_id, tickets.reporter_id, tickets.assignee_id, tickets.summary, tickets.description, CAST(tickets.field_values AS TEXT) AS field_values, tickets.status, tickets.created_at, tickets.updated_at, tickets.status_changed_at, tickets.last_activity_at, reporter.id AS reporter__id, reporter.email AS reporter__email, reporter.display_name AS reporter__display_name, reporter.language AS reporter__language, reporter.role AS reporter__role, reporter.active AS reporter__active, assignee.id AS assignee__id, assignee.email AS assignee__email, assignee.display_name AS assignee__display_name, assignee.language AS assignee__language, assignee.role AS assignee__role, assignee.active AS assignee__active, (SELECT CAST(coalesce(sum(grouped.n) FILTER (WHERE grouped.status IN ('Waiting for customer', 'In progress', 'Waiting for support') AND grouped.desk_id = 1), 0) AS INTEGER) AS total 
FROM (SELECT ticket_counts.desk_id AS desk_id, ticket_counts.status AS status, nullif(ticket_counts.assignee_id, '') AS assignee_id, ticket_counts.n AS n 
FROM ticket_counts 
WHERE ticket_counts.desk_id = 1) AS grouped) AS total 
FROM tickets JOIN (SELECT anon_2.id AS id 
FROM (SELECT anon_3.id AS id, anon_3.last_activity_at AS last_activity_at 
FROM (SELECT tickets.id AS id, tickets.last_activity_at AS last_activity_at 
FROM tickets 
WHERE tickets.status = 'In progress' AND tickets.desk_id = 1 ORDER BY tickets.last_activity_at DESC, tickets.id DESC 
 LIMIT 51) AS anon_3 UNION ALL SELECT anon_4.id AS id, anon_4.last_activity_at AS last_activity_at 
FROM (SELECT tickets.id AS id, tickets.last_activity_at AS last_activity_at 
FROM tickets 
WHERE tickets.status = 'Waiting for customer' AND tickets.desk_id = 1 ORDER BY tickets.last_activity_at DESC, tickets.id DESC 
 LIMIT 51) AS anon_4 UNION ALL SELECT anon_5.id AS id, anon_5.last_activity_at AS last_activity_at 
FROM (SELECT tickets.id AS id, tickets.last_activity_at AS last_activity_at 
FROM tickets 
WHERE tickets.status = 'Waiting for support' AND tickets.desk_id = 1 ORDER BY tickets.last_activity_at DESC, tickets.id DESC 
 LIMIT 51) AS anon_5) AS anon_2 ORDER BY anon_2.last_activity_at DESC, anon_2.id DESC 
 LIMIT 51 OFFSET 0) AS anon_1 ON anon_1.id = tickets.id LEFT OUTER JOIN accounts AS reporter ON reporter.id = tickets.reporter_id LEFT OUTER JOIN accounts AS assignee ON assignee.id = tickets.assignee_id ORDER BY tickets.last_activity_at DESC, tickets.id DESC;

-- params: {'param_1': 0, 'param_2': 1, 'related_ids': '{99970,99982,99931,99955,99967,99904,99979,99916,99853,99928,99865,99814,99964,99901,99976,99913,99850,99787,99988,99925,99862,99799,99736,99874,99811,99748,99760,99697,99961,99898,99973,99910,99847,99985,99922,99859,99796,99733,99871,99808,99745,99682,99619,99820,99757,99694,99631,99958,99706,99643}', 'param_3': 1, 'param_4': 2, 'param_5': 3, 'param_6': 4, 'param_7': 5, 'concat_1': '/', 'concat_2': '.', 'type_ids': '{1,2,3}', 'param_8': 6, 'desk_ids': '{1}'}
SELECT ticket_participants.ticket_id, %(param_1)s::INTEGER AS kind, CAST(ticket_participants.account_id AS VARCHAR) AS value, NULL AS extra, person.email, person.display_name, person.language, person.role, person.active 
FROM ticket_participants LEFT OUTER JOIN LATERAL (SELECT person.email AS email, person.display_name AS display_name, person.language AS language, person.role AS role, person.active AS active 
FROM accounts AS person 
WHERE person.id = ticket_participants.account_id 
 LIMIT %(param_2)s::INTEGER) AS person ON true 
WHERE ticket_participants.ticket_id = ANY (CAST(%(related_ids)s::VARCHAR AS INTEGER[])) UNION ALL SELECT ticket_shares.ticket_id, %(param_3)s::INTEGER AS kind, CAST(ticket_shares.organization_id AS VARCHAR) AS value, organizations.name AS extra, CAST(NULL AS VARCHAR) AS email, CAST(NULL AS VARCHAR) AS display_name, CAST(NULL AS VARCHAR) AS language, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS BOOLEAN) AS active 
FROM ticket_shares LEFT OUTER JOIN organizations ON organizations.id = ticket_shares.organization_id 
WHERE ticket_shares.ticket_id = ANY (CAST(%(related_ids)s::VARCHAR AS INTEGER[])) UNION ALL SELECT ticket_mutes.ticket_id, %(param_4)s::INTEGER AS kind, CAST(ticket_mutes.account_id AS VARCHAR) AS value, NULL AS extra, CAST(NULL AS VARCHAR) AS email, CAST(NULL AS VARCHAR) AS display_name, CAST(NULL AS VARCHAR) AS language, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS BOOLEAN) AS active 
FROM ticket_mutes 
WHERE ticket_mutes.ticket_id = ANY (CAST(%(related_ids)s::VARCHAR AS INTEGER[])) UNION ALL SELECT ticket_watchers.ticket_id, %(param_5)s::INTEGER AS kind, CAST(ticket_watchers.account_id AS VARCHAR) AS value, NULL AS extra, CAST(NULL AS VARCHAR) AS email, CAST(NULL AS VARCHAR) AS display_name, CAST(NULL AS VARCHAR) AS language, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS BOOLEAN) AS active 
FROM ticket_watchers 
WHERE ticket_watchers.ticket_id = ANY (CAST(%(related_ids)s::VARCHAR AS INTEGER[])) UNION ALL SELECT ticket_invitations.ticket_id, %(param_6)s::INTEGER AS kind, ticket_invitations.email AS value, ticket_invitations.invited_by AS extra, CAST(NULL AS VARCHAR) AS email, CAST(NULL AS VARCHAR) AS display_name, CAST(NULL AS VARCHAR) AS language, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS BOOLEAN) AS active 
FROM ticket_invitations 
WHERE ticket_invitations.ticket_id = ANY (CAST(%(related_ids)s::VARCHAR AS INTEGER[])) UNION ALL SELECT rt.id AS ticket_id, %(param_7)s::INTEGER AS kind, string_agg(concat(rt.xmin::text, %(concat_1)s::VARCHAR, CAST(rtf.id AS TEXT), %(concat_2)s::VARCHAR, rtf.xmin::text), ',' ORDER BY rtf.id) AS value, NULL AS extra, CAST(NULL AS VARCHAR) AS email, CAST(NULL AS VARCHAR) AS display_name, CAST(NULL AS VARCHAR) AS language, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS BOOLEAN) AS active 
FROM request_types AS rt LEFT OUTER JOIN request_type_fields AS rtf ON rtf.request_type_id = rt.id 
WHERE rt.id = ANY (CAST(%(type_ids)s::VARCHAR AS INTEGER[])) GROUP BY rt.id UNION ALL SELECT service_desks.id AS ticket_id, %(param_8)s::INTEGER AS kind, CAST(json_build_array(service_desks.id, service_desks.key, service_desks.name, service_desks.description, service_desks.active, service_desks.invite_unknown_participants, service_desks.restricted, service_desks.email_address, service_desks.email_request_type_id, service_desks.email_signup, service_desks.email_require_dmarc, service_desks.customer_sharing) AS TEXT) AS value, NULL AS extra, CAST(NULL AS VARCHAR) AS email, CAST(NULL AS VARCHAR) AS display_name, CAST(NULL AS VARCHAR) AS language, CAST(NULL AS VARCHAR) AS role, CAST(NULL AS BOOLEAN) AS active 
FROM service_desks 
WHERE service_desks.id = ANY (CAST(%(desk_ids)s::VARCHAR AS INTEGER[]));
