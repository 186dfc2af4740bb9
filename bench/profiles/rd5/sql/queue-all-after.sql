SELECT tickets.id, tickets.desk_id, tickets.number, tickets.key, tickets.request_type_id, tickets.reporter_id, tickets.assignee_id, tickets.summary, tickets.description, CAST(tickets.field_values AS TEXT) AS field_values, tickets.status, tickets.created_at, tickets.updated_at, tickets.status_changed_at, tickets.last_activity_at, reporter.id AS reporter__id, reporter.email AS reporter__email, reporter.display_name AS reporter__display_name, reporter.language AS reporter__language, reporter.role AS reporter__role, reporter.active AS reporter__active, assignee.id AS assignee__id, assignee.email AS assignee__email, assignee.display_name AS assignee__display_name, assignee.language AS assignee__language, assignee.role AS assignee__role, assignee.active AS assignee__active, (SELECT CAST(coalesce(sum(grouped.n) FILTER (WHERE grouped.desk_id = '1'::INTEGER), '0'::INTEGER) AS INTEGER) AS total 
	FROM (SELECT ticket_counts.desk_id AS desk_id, ticket_counts.status AS status, nullif(ticket_counts.assignee_id, ''::VARCHAR) AS assignee_id, ticket_counts.n AS n 
	FROM ticket_counts 
	WHERE ticket_counts.desk_id = '1'::INTEGER) AS grouped) AS total 
	FROM tickets JOIN (SELECT anon_2.ticket_id AS ticket_id 
	FROM (SELECT ticket_access.ticket_id AS ticket_id, ticket_access.last_activity_at AS last_activity_at 
	FROM ticket_access 
	WHERE ticket_access.key = 'd:1'::VARCHAR ORDER BY ticket_access.last_activity_at DESC, ticket_access.ticket_id DESC 
	 LIMIT '101'::INTEGER) AS anon_2 
	 LIMIT '101'::INTEGER OFFSET '0'::INTEGER) AS anon_1 ON anon_1.ticket_id = tickets.id LEFT OUTER JOIN accounts AS reporter ON reporter.id = tickets.reporter_id LEFT OUTER JOIN accounts AS assignee ON assignee.id = tickets.assignee_id ORDER BY tickets.last_activity_at DESC, tickets.id DESC